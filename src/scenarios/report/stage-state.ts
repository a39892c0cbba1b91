/**
 * The mergeable state of one stage's requests, from which every number of the lifecycle reports is built
 * (stage_N_ and summary_lifecycle_metrics.json, the adapter files, load_summary with its schedule delay, goodput,
 * the BR v0.2 partial's aggregate, the terminal table), so a run keeps states instead of records and shards merge:
 *
 *   createStageState(options) → addScenarioRecord(state, rec, ctx) per record, as it completes
 *   → mergeStageStates([...]) for the summary (every stage) or for one stage's shards → build-lifecycle-report.ts
 *
 * `options` fix how a record is seen (inference-perf's view: streaming, use_server_output_tokens, the tokenizer)
 * and what is counted (goodput constraints, error messages kept, adapters): states merge only when they agree,
 * else mergeStageStates throws naming the option. `ctx` carries what a record is turned into that view with.
 * Not here, because it needs each record: per_request_lifecycle_metrics.json and kneepoint_per_request.json,
 * written as records complete (per-request-writer.ts). Pure.
 *
 * Records of a sweep's probe stage (stage −1) are not reported: do not fold them.
 *
 * Memory (exact mode, src/metrics/samples.ts keeps 8 bytes per value up to DEFAULT_EXACT_CAP = 2,000,000 values per
 * distribution): per request its schedule delay, and per success its latency, NTPOT, TTFT, TPOT, request size (when
 * bodies are given), prompt tokens, output_len, output_tokens and BR NTPOT (+ BR output length with
 * use_server_output_tokens): measured 72 bytes/request without bodies, 80 with, 88 with use_server_output_tokens
 * (1M requests, 2 % failures, 16 tokens each). ITL gaps are per token, so they pass the cap first and become a
 * log histogram of bounded size (2^10 buckets per power of two, ≤ 0.049 % relative error). Beyond 2M requests in
 * one state every per-request distribution turns into such a histogram too, so a state stays under ~180 MB however long the stage.
 * Adapter sub-states (perAdapter) hold a second copy of their requests; merging copies (the summary is built from
 * a merged copy of the stages' states, freed after). JSON (base64 float64): ~90–110 MB per million requests.
 */
import { DEFAULT_EXACT_CAP } from "../../metrics/samples.ts";
import type { ScenarioRecord } from "../types.ts";
import { activeGoodputConstraints, type GoodputConstraints } from "./goodput-metrics.ts";
import { toInferencePerfRequest } from "./inference-perf-request.ts";
import { lifecycleMetricsOf } from "./lifecycle-metrics.ts";
import { addToLifecycleState, createLifecycleState, mergeLifecycleStates, type LifecycleState } from "./lifecycle-state.ts";
import { mergeByFirstSeen } from "./merge-by-first-seen.ts";
import { pythonJsonDumpsBytes } from "./python-json.ts";
import type { RequestMedia } from "../data/multimodal-content.ts";
import { addRequestMedia, createMediaState } from "./media-state.ts";

export interface StageStateOptions {
  /** report.request_lifecycle.use_server_output_tokens. */
  useServerOutputTokens: boolean;
  /** api.streaming. */
  streaming: boolean;
  /** Client output counts come from the run's tokenizer (ctx.countTokens is given for every record). */
  countsTokens: boolean;
  /**
   * Token times from re-tokenized chunks: a `tokenizer` block (inference-perf re-tokenizes only then), for a run's
   * states only when a summary or per-stage report is built (build-lifecycle-files.ts `reportStageStateOptions`).
   */
  retokenizeChunks: boolean;
  /** report.request_lifecycle.max_error_messages. */
  maxErrorMessages: number;
  /** report.goodput.constraints (s); null for none. */
  goodput: GoodputConstraints | null;
  /** Keep a sub-state per LoRA adapter (adapter_<a>_… files: per_adapter or per_adapter_stage). */
  perAdapter: boolean;
  /** Samples' exact cap per distribution (src/metrics/samples.ts DEFAULT_EXACT_CAP when absent; a state sets it). */
  exactCap?: number;
}

export interface AdapterState {
  adapter: string;
  /** End of its first request (the adapter files are in the order their first request is). */
  firstSeenMs: number;
  state: LifecycleState;
}

export interface StageState {
  options: StageStateOptions;
  /** Every request of the stage (or of the merged stages). */
  core: LifecycleState;
  /** Successes sent to each LoRA adapter, in first-seen order (only with options.perAdapter). */
  adapters: AdapterState[];
}

/** How a record becomes inference-perf's view; the functions must agree with the state's options. */
export interface StageFoldContext {
  /** The run's tokenizer (no special tokens), for every text of the record; required iff options.countsTokens. */
  countTokens?: (text: string) => number;
  /** The JSON body the record sent (request_size_bytes); undefined: not counted. */
  requestBody?: (rec: ScenarioRecord) => string | undefined;
  /** The LoRA adapter the record was sent to, null for the base model (used with options.perAdapter). */
  loraAdapter?: (rec: ScenarioRecord) => string | null;
  /** The media the record's request carried (multimodal data); undefined: none. */
  requestMedia?: (rec: ScenarioRecord) => RequestMedia | undefined;
  /**
   * Added to the record's monotonic ms to place it on a clock shared by every state that will be merged (0 for one
   * process; for shards, e.g. the process's epoch − monotonic offset minus the shared start time, which keeps the
   * numbers small and sub-µs precise). Latencies and schedule delays do not depend on it.
   */
  epochOffsetMs?: number;
}

/** The options as a state keeps them: only the configured goodput constraints (null for none), the cap explicit. */
function normalizedOptions(o: StageStateOptions): StageStateOptions {
  const active = activeGoodputConstraints(o.goodput);
  const slo = o.goodput?.slo_headers;
  const goodput = active.length === 0 && !slo ? null : ({ ...Object.fromEntries(active.map((k) => [k, o.goodput![k]])), ...(slo ? { slo_headers: { ...slo } } : {}) } as GoodputConstraints);
  return { ...o, goodput, exactCap: o.exactCap ?? DEFAULT_EXACT_CAP };
}

export function createStageState(options: StageStateOptions): StageState {
  if (options.retokenizeChunks && !options.countsTokens) throw new Error("createStageState: retokenizeChunks needs countsTokens (a tokenizer)");
  const o = normalizedOptions(options);
  return { options: o, core: createLifecycleState(o), adapters: [] };
}

/** UTF-8 bytes of Python's json.dumps of the body inference-perf would have sent (its `len(request_data.encode())`). */
export function requestSizeBytes(body: string): number {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return Buffer.byteLength(body, "utf8");
  }
  return pythonJsonDumpsBytes(value);
}

export function addScenarioRecord(state: StageState, rec: ScenarioRecord, ctx: StageFoldContext = {}): void {
  const o = state.options;
  if (o.countsTokens !== (ctx.countTokens !== undefined)) {
    throw new Error(`addScenarioRecord: the state ${o.countsTokens ? "counts tokens with a tokenizer but no countTokens was given" : "has no tokenizer but countTokens was given"}`);
  }
  const ip = toInferencePerfRequest(rec, {
    streaming: o.streaming,
    ...(ctx.countTokens ? { countTokens: ctx.countTokens } : {}),
    ...(o.retokenizeChunks ? { retokenizeChunks: true } : {}),
  });
  const m = lifecycleMetricsOf(ip, o.useServerOutputTokens);
  const body = m === null ? undefined : ctx.requestBody?.(rec);
  const size = body === undefined ? undefined : requestSizeBytes(body);
  const offset = ctx.epochOffsetMs ?? 0;
  addToLifecycleState(state.core, ip, m, size, offset, o);
  const media = m === null ? undefined : ctx.requestMedia?.(rec);
  if (media) addRequestMedia((state.core.successes.media ??= createMediaState(o.exactCap)), media);
  // 0.7.0 records the adapter only on a request answered 200 and read to its end: failures are in no adapter's file.
  if (!o.perAdapter || m === null) return;
  const adapter = ctx.loraAdapter?.(rec) ?? null;
  if (adapter === null) return;
  let entry = state.adapters.find((a) => a.adapter === adapter);
  if (entry === undefined) state.adapters.push((entry = { adapter, firstSeenMs: rec.endMs + offset, state: createLifecycleState(o) }));
  addToLifecycleState(entry.state, ip, m, size, offset, o);
  if (media) addRequestMedia((entry.state.successes.media ??= createMediaState(o.exactCap)), media);
}

/** The options that differ between two states, as `name (a vs b)`; empty when they merge. */
export function stageStateOptionDifferences(a: StageStateOptions, b: StageStateOptions): string[] {
  const out: string[] = [];
  const keys = ["useServerOutputTokens", "streaming", "countsTokens", "retokenizeChunks", "maxErrorMessages", "perAdapter", "exactCap"] as const;
  for (const k of keys) if (a[k] !== b[k]) out.push(`${k} (${String(a[k])} vs ${String(b[k])})`);
  const goodput = (g: GoodputConstraints | null) => JSON.stringify([...activeGoodputConstraints(g).map((k) => [k, g![k]]), ...(g?.slo_headers ? [["slo_headers", g.slo_headers]] : [])]);
  if (goodput(a.goodput) !== goodput(b.goodput)) out.push(`goodput constraints (${goodput(a.goodput)} vs ${goodput(b.goodput)})`);
  return out;
}

/**
 * One state of every request of `states` (at least one), as if one process had folded them all: counts and sums
 * add, windows widen, samples append (exact while under the cap), error labels and adapters interleave by when
 * they were first seen. Throws, naming the option, when the states were not made with the same options.
 */
export function mergeStageStates(states: readonly StageState[]): StageState {
  const first = states[0];
  if (first === undefined) throw new Error("mergeStageStates: no state to merge");
  states.forEach((s, i) => {
    const diff = stageStateOptionDifferences(first.options, s.options);
    if (diff.length > 0) throw new Error(`cannot merge stage states 0 and ${i}: their options differ: ${diff.join(", ")} (merge only results of the same config and kneepoint version)`);
  });
  const o = first.options;
  const adapters: AdapterState[] = [];
  const parts = new Map<string, AdapterState[]>();
  for (const a of mergeByFirstSeen(states.map((s) => s.adapters))) {
    const seen = parts.get(a.adapter);
    if (seen === undefined) {
      parts.set(a.adapter, [a]);
      adapters.push({ adapter: a.adapter, firstSeenMs: a.firstSeenMs, state: a.state });
    } else seen.push(a);
  }
  for (const a of adapters) {
    const list = parts.get(a.adapter)!;
    a.firstSeenMs = Math.min(...list.map((x) => x.firstSeenMs));
    a.state = mergeLifecycleStates(
      list.map((x) => x.state),
      o,
    );
  }
  return {
    options: { ...o },
    core: mergeLifecycleStates(
      states.map((s) => s.core),
      o,
    ),
    adapters,
  };
}
