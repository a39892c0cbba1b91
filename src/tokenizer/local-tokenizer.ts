/**
 * A TokenizerPort over a Hugging Face `tokenizer.json` (with its `tokenizer_config.json` when present), run in
 * process by @huggingface/tokenizers. `spec` is a path to tokenizer.json, a directory holding it, or a Hub model
 * id; a Hub id's files are downloaded once by src/hub (from `$HF_ENDPOINT` with `HF_TOKEN`, into the Hugging Face
 * cache that transformers shares; HF_HUB_OFFLINE reads the cache only).
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { UsageError } from "../errors.ts";
import { cachedFile, type HubRepo } from "../hub/hub-cache.ts";
import { downloadHubFile, downloadOptionalHubFile } from "../hub/hub-download.ts";
import { HubNotFoundError } from "../hub/hub-errors.ts";
import { readHubSettings } from "../hub/hub-settings.ts";
import { chatTemplateSource, compileChatTemplate, type ChatTemplate } from "./chat-template.ts";
import type { TokenizerPort } from "./tokenizer-port.ts";

interface TokenizerFiles {
  tokenizerJson: unknown;
  config: unknown;
  /** chat_template.jinja beside tokenizer.json, when present (newer transformers save the template there). */
  chatTemplateFile: string | null;
  source: string;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch (err) {
    throw new UsageError(`cannot read tokenizer file ${path}: ${(err as Error).message.split("\n")[0]}`, "pass a valid tokenizer.json path or a Hugging Face model id");
  }
}

async function readLocal(path: string): Promise<TokenizerFiles> {
  const file = statSync(path).isDirectory() ? join(path, "tokenizer.json") : path;
  const configPath = join(dirname(file), "tokenizer_config.json");
  const jinjaPath = join(dirname(file), "chat_template.jinja");
  return {
    tokenizerJson: await readJson(file),
    config: existsSync(configPath) ? await readJson(configPath) : {},
    chatTemplateFile: existsSync(jinjaPath) ? await readFile(jinjaPath, "utf8") : null,
    source: `tokenizer.json (${file})`,
  };
}

const tokenizerRepo = (modelId: string): HubRepo => ({ type: "model", id: modelId });

/** The cached tokenizer.json of a Hub id in the Hugging Face cache (hub/hub-settings.ts), or null. */
export function cachedHubTokenizerFile(modelId: string, env: NodeJS.ProcessEnv): string | null {
  return cachedFile(readHubSettings(env).cacheDir, tokenizerRepo(modelId), "main", "tokenizer.json")?.path ?? null;
}

/**
 * tokenizer.json, and tokenizer_config.json and chat_template.jinja when the repo has them, through the Hub
 * download (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the shared Hugging Face cache); the snapshot directory.
 */
async function fetchFromHub(modelId: string, env: NodeJS.ProcessEnv): Promise<string> {
  const opts = { settings: readHubSettings(env) };
  const repo = tokenizerRepo(modelId);
  let main;
  try {
    main = await downloadHubFile({ repo, file: "tokenizer.json" }, opts);
  } catch (err) {
    if (err instanceof HubNotFoundError && err.errorCode === "EntryNotFound") {
      throw new UsageError(`model '${modelId}' has no tokenizer.json on ${opts.settings.endpoint}`, "check the model id, or pass a local tokenizer.json path");
    }
    throw err;
  }
  // The optional files of the same commit as tokenizer.json.
  for (const file of ["tokenizer_config.json", "chat_template.jinja"]) await downloadOptionalHubFile({ repo, revision: main.commit, file }, opts);
  return dirname(main.path);
}

/**
 * The longest run of ids free of added/special tokens, minus its first ~3% (at most 1000 ids), where
 * byte-fallback and control tokens live in most vocabularies (Llama-2's <0x00>… sit at 3–258).
 */
export function ordinaryIdRange(vocabSize: number, addedIds: number[]): [number, number] {
  const total = Math.max(vocabSize, ...addedIds.map((id) => id + 1), 1);
  const cuts = [-1, ...[...new Set(addedIds)].sort((a, b) => a - b), total];
  let best: [number, number] = [0, total];
  let bestLen = -1;
  for (let i = 1; i < cuts.length; i++) {
    const start = cuts[i - 1]! + 1;
    const end = cuts[i]!;
    if (end - start > bestLen) {
      bestLen = end - start;
      best = [start, end];
    }
  }
  const skip = Math.min(1000, Math.floor((best[1] - best[0]) / 32));
  return [best[0] + skip, best[1]];
}

/**
 * Whether decode removes the space before punctuation (" ." → "."), as transformers 5 decides: only when
 * tokenizer_config.json says clean_up_tokenization_spaces: true, and never for a BPE model (Llama 3, Qwen, GPT-2)
 * unless its config also sets clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output.
 * (@huggingface/tokenizers alone would clean up whenever the key is missing.)
 */
export function decodeCleansSpaces(config: unknown, modelType: string | undefined): boolean {
  const c = (config ?? {}) as Record<string, unknown>;
  if (c.clean_up_tokenization_spaces !== true) return false;
  return modelType !== "BPE" || c.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output === true;
}

function isLocalPath(spec: string): boolean {
  return existsSync(spec) || spec.startsWith(".") || spec.startsWith("/") || spec.endsWith(".json");
}

export async function loadLocalTokenizer(spec: string, env: NodeJS.ProcessEnv): Promise<TokenizerPort> {
  if (isLocalPath(spec) && !existsSync(spec)) throw new UsageError(`--tokenizer: ${spec} does not exist`, "pass a tokenizer.json path or a Hugging Face model id");
  const files = isLocalPath(spec) ? await readLocal(spec) : { ...(await readLocal(await fetchFromHub(spec, env))), source: `tokenizer.json (${spec})` };
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(files.tokenizerJson as object, files.config as object);
  } catch (err) {
    throw new UsageError(`--tokenizer: cannot load ${files.source}: ${(err as Error).message}`, "pass a Hugging Face tokenizer.json");
  }
  const vocab = (files.tokenizerJson as { model?: { vocab?: Record<string, number> | unknown[] } }).model?.vocab;
  const vocabSize = Array.isArray(vocab) ? vocab.length : vocab ? Object.keys(vocab).length : 0;
  const added = ((files.tokenizerJson as { added_tokens?: Array<{ id: number }> }).added_tokens ?? []).map((t) => t.id);
  const [lo, hi] = ordinaryIdRange(vocabSize, added);
  const templateSource = chatTemplateSource(files.config, files.chatTemplateFile);
  const cleanUp = decodeCleansSpaces(files.config, (files.tokenizerJson as { model?: { type?: string } }).model?.type);
  let chatTemplate: ChatTemplate | null = null;
  try {
    chatTemplate = templateSource === null ? null : compileChatTemplate(templateSource, files.config);
  } catch (err) {
    throw new UsageError(`--tokenizer: the chat template of ${files.source} does not parse: ${(err as Error).message}`, "fix chat_template in tokenizer_config.json (or chat_template.jinja)");
  }
  const maxLength = (files.config as { model_max_length?: unknown } | null)?.model_max_length;
  return {
    source: files.source,
    idRange: [lo, hi],
    chatTemplate,
    // transformers' VERY_LARGE_INTEGER (1e30) stands for "no limit"
    modelMaxLength: typeof maxLength === "number" && maxLength < 1e29 ? maxLength : null,
    async encode(text) {
      return tok.encode(text, { add_special_tokens: false }).ids;
    },
    async encodeWithSpecialTokens(text) {
      return tok.encode(text, { add_special_tokens: true }).ids;
    },
    async decode(ids) {
      return tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: cleanUp });
    },
    async specialTokenCount() {
      return tok.encode("", { add_special_tokens: true }).ids.length;
    },
  };
}
