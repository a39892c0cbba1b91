/**
 * A TokenizerPort over a Hugging Face `tokenizer.json` (with its `tokenizer_config.json` when present), run in
 * process by @huggingface/tokenizers. `spec` is a path to tokenizer.json, a directory holding it, or a Hub model
 * id; ids are downloaded once from `$HF_ENDPOINT` (default https://huggingface.co) with `HF_TOKEN` and cached
 * under `$KNEEPOINT_CACHE_DIR` (default ~/.cache/kneepoint/tokenizers).
 */
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { EnvironmentError, UsageError } from "../errors.ts";
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

async function download(url: string, token: string | undefined): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new EnvironmentError(`cannot download ${url}: ${(err as Error).message}`, "check network access, or pass a local tokenizer.json path with --tokenizer");
  }
  if (res.status === 404) return null;
  if (res.status === 401 || res.status === 403) {
    throw new EnvironmentError(`${url} answered ${res.status}: the model is gated or private`, "set HF_TOKEN to a token with access, or pass a local tokenizer.json path");
  }
  if (!res.ok) throw new EnvironmentError(`${url} answered ${res.status}`, "retry, or pass a local tokenizer.json path with --tokenizer");
  return res.text();
}

/** The cached tokenizer.json of a Hub id (present once downloaded). */
export function cachedHubTokenizerFile(modelId: string, env: NodeJS.ProcessEnv): string {
  const cacheRoot = env.KNEEPOINT_CACHE_DIR ?? join(homedir(), ".cache", "kneepoint", "tokenizers");
  return join(cacheRoot, modelId.replace(/[^A-Za-z0-9._-]+/g, "--"), "tokenizer.json");
}

async function fetchFromHub(modelId: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = dirname(cachedHubTokenizerFile(modelId, env));
  if (existsSync(join(dir, "tokenizer.json"))) return dir;
  const endpoint = (env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");
  const token = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  const json = await download(`${endpoint}/${modelId}/resolve/main/tokenizer.json`, token);
  if (json === null) throw new UsageError(`model '${modelId}' has no tokenizer.json on ${endpoint}`, "check the model id, or pass a local tokenizer.json path");
  const config = await download(`${endpoint}/${modelId}/resolve/main/tokenizer_config.json`, token);
  const chatTemplate = await download(`${endpoint}/${modelId}/resolve/main/chat_template.jinja`, token);
  await mkdir(dir, { recursive: true });
  if (config !== null) await writeFile(join(dir, "tokenizer_config.json"), config);
  if (chatTemplate !== null) await writeFile(join(dir, "chat_template.jinja"), chatTemplate);
  await writeFile(join(dir, "tokenizer.json.tmp"), json);
  await rename(join(dir, "tokenizer.json.tmp"), join(dir, "tokenizer.json"));
  return dir;
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
  let chatTemplate: ChatTemplate | null = null;
  try {
    chatTemplate = templateSource === null ? null : compileChatTemplate(templateSource, files.config);
  } catch (err) {
    throw new UsageError(`--tokenizer: the chat template of ${files.source} does not parse: ${(err as Error).message}`, "fix chat_template in tokenizer_config.json (or chat_template.jinja)");
  }
  return {
    source: files.source,
    idRange: [lo, hi],
    chatTemplate,
    async encode(text) {
      return tok.encode(text, { add_special_tokens: false }).ids;
    },
    async decode(ids) {
      return tok.decode(ids, { skip_special_tokens: false });
    },
    async specialTokenCount() {
      return tok.encode("", { add_special_tokens: true }).ids.length;
    },
  };
}
