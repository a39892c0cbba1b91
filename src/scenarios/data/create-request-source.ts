/**
 * Turns a scenario config's `data` block into the run's RequestSource (src/scenarios/types.ts). Everything
 * that needs the tokenizer happens here, up front: finding single-token words, counting the corpus, reading
 * and filtering ShareGPT. `request(i)` then builds a body with no tokenizer call and no I/O.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../errors.ts";
import type { ScenarioConfig } from "../config/scenario-config-schema.ts";
import { createBodyWriter } from "./body-writer.ts";
import { buildCorpus } from "./corpus-text.ts";
import { createMockSource, mockPrompt } from "./mock-source.ts";
import { createRandomSource } from "./random-source.ts";
import type { RequestSourceDeps, ScenarioRequestSource } from "./request-source-deps.ts";
import { createSharedPrefixSource } from "./shared-prefix-source.ts";
import { createSessionDataSource } from "./create-session-source.ts";
import { createSyntheticSource } from "./synthetic-source.ts";
import { createTraceLengthSource } from "./trace-length-source.ts";
import { traceRows } from "../config/trace-schema.ts";
import { findWordAtoms, type WordAtoms } from "./word-atoms.ts";
import { calibrateChatTemplate, requireChatTemplate, type PromptWrap } from "./chat-template-prompts.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { TraceRow } from "../config/trace-schema.ts";
import { withLoraTrafficSplit } from "./lora-traffic-split.ts";
import { createOtelReplaySource } from "../replay/session-replay-source.ts";
import { createWekaReplaySource } from "../replay/weka-replay-source.ts";
import { createHubDatasetSource } from "./hub-dataset-source.ts";
import { createMultimodalSharedPrefixSource, createMultimodalSyntheticSource } from "./multimodal-source.ts";
import { readHubSettings } from "../../hub/hub-settings.ts";
import { formatDownloadProgress } from "../../hub/download-progress.ts";

/** The corpus shipped with kneepoint (see assets/corpus/SOURCE.md). */
export const DEFAULT_CORPUS_PATH = fileURLToPath(new URL("../../../assets/corpus/sonnets.txt", import.meta.url));
const DEFAULT_SHAREGPT_POOL = 10_000;

/** data.use_chat_template (random only, schema-checked): the template's wrap and overhead, refusals by name. */
async function chatTemplatePrompts(cfg: ScenarioConfig, tok: TokenizerPort, atoms: WordAtoms, seed: number, rows: readonly TraceRow[] | null): Promise<PromptWrap> {
  const input = cfg.data.input_distribution;
  const minInput = rows !== null ? Math.min(...rows.map((r) => r.inputTokens)) : input!.type === "fixed" ? input!.mean : input!.min;
  return calibrateChatTemplate(tok, requireChatTemplate(tok), atoms, seed, minInput);
}

async function readCorpus(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`data.corpus_file_path: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, "point it at a plain-text file");
  }
}

export async function createRequestSource(cfg: ScenarioConfig, deps: RequestSourceDeps): Promise<ScenarioRequestSource> {
  const source = await createDataSource(cfg, deps);
  const split = cfg.load.lora_traffic_split;
  return split ? withLoraTrafficSplit(source, deps.model, split, deps.seed) : source;
}

async function createDataSource(cfg: ScenarioConfig, deps: RequestSourceDeps): Promise<ScenarioRequestSource> {
  const { data } = cfg;
  // anthropic_messages: the data is generated as for chat (messages), the bodies are the Messages API's.
  const api: "completion" | "chat" = cfg.api.type === "completion" ? "completion" : "chat";
  const body = createBodyWriter({
    api: cfg.api.type,
    model: deps.model,
    ignoreEos: cfg.server.ignore_eos,
    streaming: cfg.api.streaming,
    responseFormat: cfg.api.response_format,
    addSpecialTokens: data.use_chat_template ? false : null,
  });
  const tok = deps.tokenizer;
  switch (data.type) {
    case "mock": {
      const planned = (await tok.encode(mockPrompt(api, 0))).length + (api === "completion" ? await tok.specialTokenCount() : 0);
      return createMockSource(api, body, planned);
    }
    case "random":
    case "synthetic": {
      const atoms = await findWordAtoms(tok, deps.seed);
      const rows = data.type === "random" && data.trace !== null ? traceRows(data.trace, "data.trace") : null;
      const template = data.use_chat_template ? await chatTemplatePrompts(cfg, tok, atoms, deps.seed, rows) : null;
      const specialTokens = template?.overheadTokens ?? (await tok.specialTokenCount());
      const shaped = template ? { ...atoms, exact: atoms.exact && template.exact } : atoms;
      if (rows !== null) return createTraceLengthSource({ file: data.trace!.file, rows, specialTokens, wrap: template?.wrap }, shaped, body, deps.seed);
      const lengths = { input: data.input_distribution!, output: data.output_distribution!, specialTokens, wrap: template?.wrap };
      if (data.type === "random") return createRandomSource(lengths, shaped, body, deps.seed);
      if (data.multimodal !== null) return createMultimodalSyntheticSource(data.multimodal, data.input_distribution, atoms, specialTokens, body, deps.seed);
      const path = data.corpus_file_path ?? DEFAULT_CORPUS_PATH;
      const corpus = await buildCorpus(tok, await readCorpus(path), deps.seed, atoms.form);
      const name = data.corpus_file_path ?? "Shakespeare's Sonnets (assets/corpus)";
      return createSyntheticSource(lengths, corpus, name, atoms, body, deps.seed);
    }
    case "conversation_replay":
      return createSessionDataSource(cfg, deps);
    case "shared_prefix":
      if (data.shared_prefix!.enable_multi_turn_chat) return createSessionDataSource(cfg, deps);
      if (data.multimodal !== null || data.shared_prefix!.multimodal !== null) {
        return createMultimodalSharedPrefixSource(data.shared_prefix!, data.multimodal, await tok.specialTokenCount(), await findWordAtoms(tok, deps.seed), body, deps.seed);
      }
      return createSharedPrefixSource(data.shared_prefix!, await tok.specialTokenCount(), await findWordAtoms(tok, deps.seed), body, deps.seed);
    case "shareGPT":
    case "cnn_dailymail":
    case "billsum_conversations":
    case "infinity_instruct":
      {
        // shareGPT with a local data.path too: 0.7.0 reads it with the same loader (max_tokens = the answer's tokens
        // with special tokens, records cycled after the first), and the file is streamed, not read whole
        const hub = { settings: readHubSettings(deps.env ?? process.env), onProgress: deps.progress ? (p: Parameters<typeof formatDownloadProgress>[0]) => deps.progress!(formatDownloadProgress(p)) : undefined };
        const opts = { type: data.type, path: data.path, api: api as "completion" | "chat", input: data.input_distribution, output: data.output_distribution, poolLimit: deps.requestCount ?? DEFAULT_SHAREGPT_POOL };
        return createHubDatasetSource(opts, tok, body, hub);
      }
    case "visionarena": {
      // Loaded only for this type: it reads parquet (hyparquet) and the Hub.
      const { createVisionArenaSource, readVisionArenaPool } = await import("./visionarena-source.ts");
      const hub = { settings: readHubSettings(deps.env ?? process.env), onProgress: deps.progress ? (p: Parameters<typeof formatDownloadProgress>[0]) => deps.progress!(formatDownloadProgress(p)) : undefined };
      const pool = await readVisionArenaPool(data.visionarena!, hub);
      // 0.7.0's client-side count of a prompt (used only when the server reports no usage): its text with special tokens
      const special = await tok.specialTokenCount();
      const promptTokens = await Promise.all(pool.map(async (row) => (await tok.encode(row.prompt)).length + special));
      return createVisionArenaSource(data.visionarena!, pool, promptTokens, body, deps.seed);
    }
    case "otel_trace_replay":
      return createOtelReplaySource(data.otel_trace_replay!, deps.seed, body, tok, { settings: readHubSettings(deps.env ?? process.env), onProgress: deps.progress ? (p) => deps.progress!(formatDownloadProgress(p)) : undefined }, cfg.api.type);
    case "synthetic_agentic": {
      const { createAgenticReplaySource } = await import("../replay/agentic/agentic-replay-source.ts");
      return createAgenticReplaySource(data.synthetic_agentic!, body, tok, cfg.api.type === "anthropic_messages" ? "anthropic_messages" : "chat");
    }
    case "weka_trace_replay": {
      const corpusPath = data.corpus_file_path ?? DEFAULT_CORPUS_PATH;
      const hub = { settings: readHubSettings(deps.env ?? process.env), onProgress: deps.progress ? (p: Parameters<typeof formatDownloadProgress>[0]) => deps.progress!(formatDownloadProgress(p)) : undefined };
      return createWekaReplaySource({ config: data.weka_trace_replay!, baseSeed: deps.seed, body, tok, corpusText: await readCorpus(corpusPath), corpusIsDefault: data.corpus_file_path === null, hub });
    }
    default:
      // readScenarioConfig refuses the other types (unsupported-features.ts); reaching this is a bug.
      throw new Error(`data.type ${data.type} has no generator`);
  }
}
