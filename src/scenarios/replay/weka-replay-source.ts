/**
 * The request source of `data.type: weka_trace_replay`: the Weka traces read (weka-trace-files.ts), their prompts
 * rebuilt from the block hashes over the tokenized corpus (weka-trace-sessions.ts), sent by the session replay
 * stages as OTel sessions are. Like inference-perf 0.7.0 it needs the tokenizer itself (token ids → text): a local
 * tokenizer (tokenizer.pretrained_model_name_or_path). The corpus is data.corpus_file_path, else kneepoint's
 * sonnets (0.7.0's default is its own 5 MB Shakespeare, so the prompt text differs unless both read one file).
 */
import { UsageError } from "../../errors.ts";
import type { HubDownloadOptions } from "../../hub/hub-download.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { WekaTraceReplayConfig } from "../config/weka-replay-schema.ts";
import type { BodyWriter } from "../data/body-writer.ts";
import { sessionReplaySource, type SessionReplaySource } from "./session-replay-source.ts";
import { WEKA_BASE_PROMPT } from "./weka-block-tokens.ts";
import { readWekaTraces, WEKA_BLOCK } from "./weka-trace-files.ts";
import { buildWekaCorpus } from "./weka-trace-sessions.ts";

export interface WekaSourceInput {
  config: WekaTraceReplayConfig;
  baseSeed: number;
  body: BodyWriter;
  tok: TokenizerPort;
  corpusText: string;
  corpusIsDefault: boolean;
  hub: HubDownloadOptions;
}

export async function createWekaReplaySource(w: WekaSourceInput): Promise<SessionReplaySource> {
  const encode = w.tok.encodeWithSpecialTokens?.bind(w.tok);
  if (!encode) {
    throw new UsageError(
      `data.type weka_trace_replay rebuilds prompts from token ids, which needs a local tokenizer (${w.tok.source} cannot)`,
      "set tokenizer.pretrained_model_name_or_path (or --tokenizer) to the served model's tokenizer",
    );
  }
  const warnings: string[] = [];
  const traces = await readWekaTraces(w.config, w.hub, warnings);
  if (w.corpusIsDefault) warnings.push(`${WEKA_BLOCK}: prompts are rebuilt from kneepoint's corpus (assets/corpus/sonnets.txt); inference-perf 0.7.0 uses its own shakespeare.txt, so the text differs (the block structure does not): set data.corpus_file_path to replay the same text`);
  const corpusIds = await encode(WEKA_BASE_PROMPT + w.corpusText);
  if (corpusIds.length === 0) throw new UsageError(`data.corpus_file_path: the corpus has no tokens`, "point it at a plain-text file");
  const corpus = await buildWekaCorpus({ config: w.config, traces, baseSeed: w.baseSeed, corpusIds, decode: (ids) => w.tok.decode(ids), warnings });
  const settings = { maxWaitMs: w.config.max_wait_ms, predecessorWaitTimeoutS: w.config.predecessor_wait_timeout_sec, disableOutputSubstitution: false, attributeToHeaderMap: null, attributeToLabelMap: null };
  return sessionReplaySource(corpus, settings, w.body, w.tok);
}
