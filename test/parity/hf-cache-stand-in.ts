/**
 * A Hugging Face cache (HF_HOME) that holds the tiny test tokenizer under a Hub repo id, so that inference-perf,
 * run with HF_HUB_OFFLINE=1, loads "the server's model" as its tokenizer without a network. inference-perf's vLLM
 * client always builds a tokenizer, from the model name when the config has no `tokenizer` block
 * (client/modelserver/openai_client.py). The layout is huggingface_hub's: refs/main names a snapshot that holds
 * the files. transformers 5 reads config.json before the tokenizer files, so an empty one is there too.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SNAPSHOT = "0".repeat(40);

export function writeHfCacheStandIn(hfHome: string, repoId: string, tokenizerDir: string): void {
  const repo = join(hfHome, "hub", `models--${repoId.replaceAll("/", "--")}`);
  const snapshot = join(repo, "snapshots", SNAPSHOT);
  mkdirSync(join(repo, "refs"), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  writeFileSync(join(repo, "refs", "main"), SNAPSHOT);
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(tokenizerDir, file), join(snapshot, file));
  writeFileSync(join(snapshot, "config.json"), "{}\n");
}
