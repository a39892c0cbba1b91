/**
 * The request source of a session replay (`data.type: otel_trace_replay` / `weka_trace_replay`): not a list of requests but a corpus of
 * sessions, which only `load.type: trace_session_replay` stages send (src/scenarios/load/session-replay-stages.ts).
 * It carries what those stages need: the sessions, the replay settings, the body writer and the client's token count.
 */
import type { BodyWriter } from "../data/body-writer.ts";
import { replayBody } from "./replay-body.ts";
import { UsageError } from "../../errors.ts";
import type { ScenarioRequestSource } from "../data/request-source-deps.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { OtelTraceReplayConfig } from "../config/otel-replay-schema.ts";
import type { SessionReplaySettings } from "../load/session-replay-stage.ts";
import type { RequestSource, ScenarioRequest } from "../types.ts";
import { corpusOf, hubTraceRow, readOtelCorpus, type ReplayCorpus, type ReplaySessionSpec } from "./otel-trace-sessions.ts";
import type { HubAccess } from "../data/hub-dataset-files.ts";
import { compileTraceFilter } from "./trace-filter.ts";
import type { GraphCall, ReplayMessage } from "./replay-graph.ts";

export interface SessionReplayInput {
  sessions: readonly ReplaySessionSpec[];
  settings: SessionReplaySettings;
  bodyFor(messages: readonly ReplayMessage[], maxTokens: number, call: GraphCall): string;
  countTokens(text: string): Promise<number>;
  /** Every request sent so far, by record index: the reports rebuild a record's body from its source. */
  sent: Map<number, ScenarioRequest>;
}

export interface SessionReplaySource extends ScenarioRequestSource {
  sessionReplay: SessionReplayInput;
}

export function isSessionReplaySource(s: RequestSource): s is SessionReplaySource {
  return "sessionReplay" in s;
}

/** 0.7.0 CustomTokenizer.count_tokens: "" is 0, else the tokens with the special ones. */
export function tokenCounter(tok: TokenizerPort): (text: string) => Promise<number> {
  let special: number | null = null;
  return async (text) => {
    if (text === "") return 0;
    special ??= await tok.specialTokenCount();
    return (await tok.encode(text)).length + special;
  };
}

/** The corpus from local trace files, or from a Hugging Face dataset (read only then). */
async function readCorpus(c: OtelTraceReplayConfig, baseSeed: number, access: HubAccess): Promise<ReplayCorpus> {
  const keep = compileTraceFilter(c.filter) ?? undefined;
  if (c.hf_dataset_path === null) return readOtelCorpus(c, baseSeed, keep);
  const { hubTraceDataset, readHubTraceRecords } = await import("./otel-hub-traces.ts");
  const ds = hubTraceDataset(c.hf_dataset_path);
  const rows = (await readHubTraceRecords(ds, access)).map(hubTraceRow);
  return corpusOf(rows, c, baseSeed, `trace record(s) of ${ds.repo.id} ${ds.split} (Hugging Face Hub)`, [...ds.warnings], keep);
}

export async function createOtelReplaySource(c: OtelTraceReplayConfig, baseSeed: number, body: BodyWriter, tok: TokenizerPort, access: HubAccess, api = "chat"): Promise<SessionReplaySource> {
  const corpus = await readCorpus(c, baseSeed, access);
  if (api === "anthropic_messages") refuseToolCalls(corpus);
  const settings = { maxWaitMs: c.max_wait_ms, predecessorWaitTimeoutS: c.predecessor_wait_timeout_sec, disableOutputSubstitution: c.disable_output_substitution, attributeToHeaderMap: c.attribute_to_header_map, attributeToLabelMap: c.attribute_to_label_map };
  return sessionReplaySource(corpus, settings, body, tok);
}

/** The source of a built session corpus (OTel or Weka traces). */
export function sessionReplaySource(corpus: ReplayCorpus, settings: SessionReplaySettings, body: BodyWriter, tok: TokenizerPort): SessionReplaySource {
  const sent = new Map<number, ScenarioRequest>();
  return {
    request: (i) => {
      const r = sent.get(i);
      if (!r) throw new Error(`session replay request ${i} was never sent (a session source has no request list)`);
      return r;
    },
    describe: () => corpus.describe,
    warnings: corpus.warnings,
    sessionReplay: {
      sessions: corpus.sessions,
      settings,
      bodyFor: (messages, maxTokens, call) => replayBody(body, messages, maxTokens, call),
      countTokens: tokenCounter(tok),
      sent,
    },
  };
}

/** Tool calls are replayed over the chat API only: a trace that uses them under api.type anthropic_messages is refused by name. */
function refuseToolCalls(corpus: ReplayCorpus): void {
  const uses = corpus.sessions.find((s) => s.graph?.events.some((e) => e.call.toolRequest || e.call.messages.some((m) => m.tool_calls !== undefined || m.tool_call_id !== undefined)));
  if (uses) throw new UsageError(`data.otel_trace_replay: ${uses.sourceId} has tool calls or tools: replaying them over api.type anthropic_messages is not supported yet by kneepoint run`, "use api.type chat, or leave the trace out");
}
