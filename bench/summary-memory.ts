/**
 * Memory and time of a step's summary state (src/metrics/step-state.ts), and its merge error.
 *
 *   node --expose-gc --import tsx bench/summary-memory.ts
 *
 * (without --expose-gc the heap figures include garbage not yet collected). Feeds 1,000,000 synthetic successful
 * records of 128 output tokens (1,000 req/s for 1,000 s, TTFT ~ lognormal around 60 ms, gaps ~ lognormal around
 * 12 ms with 2 % zero gaps) one at a time into a StepState, holding none of them, and prints heap and RSS growth per
 * million requests and the time per record. For contrast: the heap of 100,000 records held in an array (what the
 * runner kept before, extrapolated to a million). Then the merge error: 4 shards (each through JSON) merged against
 * one state over the same records, and the histogram's error against numpy's exact percentiles over 250,000 records.
 */
import type { RequestRecord } from "../src/engine/request-record.ts";
import { HISTOGRAM_RELATIVE_ERROR, Samples } from "../src/metrics/samples.ts";
import { addRecord, createStepState, mergeStepStates, setStepWindow, summarizeStepState, type StepState } from "../src/metrics/step-state.ts";
import { stepStateFromJson, stepStateToJson } from "../src/metrics/step-state-json.ts";
import { describe as describeValues } from "../src/metrics/stats.ts";
import type { StepResult } from "../src/metrics/summarize-step.ts";
import { mulberry32 } from "../src/workload/rng.ts";

const REQUESTS = 1_000_000;
const OUTPUT_TOKENS = 128;
const EPOCH_OFFSET_MS = 1_767_323_045_000;
const PERCENTILES = [50, 90, 95, 99, 99.9];
const CTX = { label: "bench", modelId: "m", tokenizerId: null, numPrompts: REQUESTS, requestRate: 1000, burstiness: 1, maxConcurrency: null, percentiles: PERCENTILES };
const gc = (globalThis as { gc?: () => void }).gc;

/** Seeded, so every run draws the same values: the project's one generator. */
const rng = mulberry32;

/** The i-th synthetic record (a fresh object each time, as the client makes them). */
function makeRecords(seed: number): (i: number) => RequestRecord {
  const r = rng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return (i) => {
    const sendMs = i + r();
    const chunkTimesMs = new Array<number>(OUTPUT_TOKENS);
    let t = sendMs + Math.exp(Math.log(60) + 0.5 * normal());
    for (let k = 0; k < OUTPUT_TOKENS; k++) {
      chunkTimesMs[k] = t;
      t += r() < 0.02 ? 0 : Math.exp(Math.log(12) + 0.6 * normal());
    }
    return { index: i, plannedPromptTokens: 256, sendMs, chunkTimesMs, promptTokens: 256, completionTokens: OUTPUT_TOKENS, textChunks: OUTPUT_TOKENS, sendEpochMs: 0, endMs: t, error: null };
  };
}

function memory(): { heap: number; rss: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function streamed(): void {
  // Time of addRecord alone: a pool of 10,000 ready records added 100 times each.
  const make = makeRecords(1);
  const pool = Array.from({ length: 10_000 }, (_, i) => make(i));
  const timing = createStepState();
  const timingStarted = performance.now();
  for (let i = 0; i < REQUESTS; i++) addRecord(timing, pool[i % pool.length] as RequestRecord, EPOCH_OFFSET_MS, i);
  const addMs = performance.now() - timingStarted;
  pool.length = 0;
  const next = makeRecords(1);
  const before = memory();
  const started = performance.now();
  const state = createStepState();
  for (let i = 0; i < REQUESTS; i++) addRecord(state, next(i), EPOCH_OFFSET_MS, i);
  const elapsedMs = performance.now() - started;
  setStepWindow(state, EPOCH_OFFSET_MS, EPOCH_OFFSET_MS + REQUESTS + 2000);
  const after = memory();
  const summaryStarted = performance.now();
  const result = summarizeStepState(state, CTX);
  const summaryMs = performance.now() - summaryStarted;
  const perMillion = 1e6 / REQUESTS;
  console.log(`streamed: ${REQUESTS.toLocaleString("en")} records × ${OUTPUT_TOKENS} tokens into one StepState (default exact cap 2,000,000)`);
  console.log(`  heap+arrayBuffers growth: ${mb((after.heap - before.heap) * perMillion)} per million requests; RSS growth ${mb((after.rss - before.rss) * perMillion)}`);
  const perRecordUs = (ms: number): string => ((ms * 1e3) / REQUESTS).toFixed(2);
  console.log(`  addRecord: ${perRecordUs(addMs)} µs per record of ${OUTPUT_TOKENS} tokens (${perRecordUs(elapsedMs)} with making each record); summary: ${summaryMs.toFixed(0)} ms`);
  console.log(`  estimated: ${JSON.stringify(result.estimated_metrics ?? [])} within ${result.estimate_relative_error}; JSON ${mb(JSON.stringify(stepStateToJson(state)).length)}`);
  if (gc === undefined) console.log("  (run with node --expose-gc --import tsx for collected heap figures)");
}

function heldRecords(): void {
  const n = 100_000;
  const next = makeRecords(1);
  const before = memory();
  const records: RequestRecord[] = [];
  for (let i = 0; i < n; i++) records.push(next(i));
  const after = memory();
  console.log(`held (before issue 13): ${n.toLocaleString("en")} records in an array: heap growth ${mb(after.heap - before.heap)}, × 10 = ${mb((after.heap - before.heap) * 10)} per million requests (records alone)`);
  records.length = 0;
}

/** Largest relative difference between two results' latency keys, per metric. */
function maxRelativeDiff(a: StepResult, b: StepResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(a) as (keyof StepResult)[]) {
    const metric = /^(?:p[\d.]+|median|mean|std)_(\w+)_ms$/.exec(key)?.[1];
    if (metric === undefined) continue;
    const x = a[key] as number;
    const y = b[key] as number;
    out[metric] = Math.max(out[metric] ?? 0, x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
  }
  for (const key of ["max_output_tokens_per_s", "max_concurrent_requests", "completed", "total_output_tokens", "output_throughput"] as const) {
    out[key] = a[key] === b[key] ? 0 : Math.abs((a[key] as number) - (b[key] as number)) / Math.abs(b[key] as number);
  }
  return out;
}

function mergeError(): void {
  const next = makeRecords(2);
  const whole = createStepState();
  const shards = [0, 1, 2, 3].map(() => createStepState());
  for (let i = 0; i < REQUESTS; i++) {
    const rec = next(i);
    addRecord(whole, rec, EPOCH_OFFSET_MS);
    addRecord(shards[i % 4] as StepState, rec, EPOCH_OFFSET_MS);
  }
  for (const s of [whole, ...shards]) setStepWindow(s, EPOCH_OFFSET_MS, EPOCH_OFFSET_MS + REQUESTS + 2000);
  const merged = mergeStepStates(shards.map((s, i) => stepStateFromJson(JSON.parse(JSON.stringify(stepStateToJson(s))), `shard-${i}`)));
  const diff = maxRelativeDiff(summarizeStepState(merged, CTX), summarizeStepState(whole, CTX));
  console.log(`merge: 4 shards (through JSON) vs one state, ${REQUESTS.toLocaleString("en")} records: max relative difference per metric`);
  console.log(`  ${Object.entries(diff).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(", ")}`);
}

function histogramError(): void {
  const n = 250_000;
  const next = makeRecords(3);
  const exactItl = new Samples({ exactCap: n * OUTPUT_TOKENS });
  const shards = [0, 1, 2, 3].map(() => new Samples());
  for (let i = 0; i < n; i++) {
    const c = next(i).chunkTimesMs;
    for (let k = 1; k < c.length; k++) {
      const gap = (c[k] as number) - (c[k - 1] as number);
      exactItl.add(gap);
      shards[i % 4]?.add(gap);
    }
  }
  const merged = new Samples({ exactCap: 0 });
  for (const s of shards) merged.merge(s);
  const want = describeValues(exactItl.values() as Float64Array, PERCENTILES);
  const got = merged.describe(PERCENTILES);
  const rel = (x: number, y: number): number => (y === 0 ? Math.abs(x) : Math.abs(x - y) / Math.abs(y));
  const errors = PERCENTILES.map((p) => `p${p} ${rel(got.percentiles.get(p) as number, want.percentiles.get(p) as number).toExponential(2)}`);
  console.log(`histogram: ITL of ${n.toLocaleString("en")} records (${got.count.toLocaleString("en")} gaps), 4 shards merged vs numpy exact; bound ${HISTOGRAM_RELATIVE_ERROR.toExponential(2)}`);
  console.log(`  ${errors.join(", ")}, median ${rel(got.median, want.median).toExponential(2)}, mean ${rel(got.mean, want.mean).toExponential(2)}, std ${rel(got.std, want.std).toExponential(2)}`);
}

heldRecords();
streamed();
mergeError();
histogramError();
