/**
 * Memory of a scenario run's summary (`kneepoint run`): synthetic streamed answers folded one at a time into a
 * stage's mergeable state (src/scenarios/report/stage-state.ts, what record-sink.ts does during a run), records not
 * held; then the stage's lifecycle report built from the state. Prints heap growth per million requests.
 *
 *   node --expose-gc --import tsx bench/scenario-state-memory.ts [--requests 1000000] [--tokens 128]
 */
import { parseArgs } from "node:util";
import { buildLifecycleReportFromState, stageStateOptionsOf } from "../src/scenarios/report/build-lifecycle-report.ts";
import { addScenarioRecord, createStageState } from "../src/scenarios/report/stage-state.ts";
import type { ScenarioRecord } from "../src/scenarios/types.ts";
import { mulberry32 } from "../src/workload/rng.ts";

const { values } = parseArgs({ options: { requests: { type: "string", default: "1000000" }, tokens: { type: "string", default: "128" } } });
const REQUESTS = Number(values.requests);
const TOKENS = Number(values.tokens);
if (!(REQUESTS > 0 && TOKENS > 0)) {
  console.error("--requests and --tokens must be positive numbers");
  process.exit(2);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.error("note: run with node --expose-gc for exact heap figures");

function memory(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Request i: a streamed answer of TOKENS one-word chunks; every 50th fails with an HTTP 503. */
function record(i: number, r: () => number): ScenarioRecord {
  const sendMs = i * 2;
  if (i % 50 === 49) {
    return { index: i, plannedPromptTokens: 256, sendMs, chunkTimesMs: [], promptTokens: null, completionTokens: null, textChunks: 0, sendEpochMs: 0, endMs: sendMs + 5, error: { reason: "http", status: 503, message: "HTTP 503: overloaded" }, stage: 0, scheduledMs: sendMs - r() };
  }
  const times = new Array<number>(TOKENS);
  let t = sendMs + 40 + 20 * r();
  for (let k = 0; k < TOKENS; k++) {
    times[k] = t;
    t += 8 + 8 * r();
  }
  const texts = Array.from({ length: TOKENS }, () => " word");
  return {
    index: i,
    plannedPromptTokens: 256,
    sendMs,
    chunkTimesMs: times,
    promptTokens: 256,
    completionTokens: TOKENS,
    textChunks: TOKENS,
    sendEpochMs: 0,
    endMs: t,
    error: null,
    stage: 0,
    scheduledMs: sendMs - r(),
    capture: { body: "", contentTimesMs: times, contentChunks: [], contentTexts: texts, usage: { prompt_tokens: 256, completion_tokens: TOKENS }, complete: true },
  };
}

const report = { percentiles: [50, 90, 95, 99], maxErrorMessages: 100, useServerOutputTokens: false, goodput: null, streaming: true };
const state = createStageState(stageStateOptionsOf(report));
const r = mulberry32(42);
const before = memory();
const started = performance.now();
for (let i = 0; i < REQUESTS; i++) addScenarioRecord(state, record(i, r));
const foldMs = performance.now() - started;
const after = memory();
const built = performance.now();
const out = buildLifecycleReportFromState(state.core, { percentiles: report.percentiles, goodput: null, stage: { kind: "constant", rate: 500, durationS: REQUESTS / 500 } });
const buildMs = performance.now() - built;
const perMillion = ((after - before) * 1e6) / REQUESTS;
console.log(`scenario stage state: ${REQUESTS.toLocaleString("en")} streamed answers of ${TOKENS} chunks (2 % failed), folded one at a time, none held`);
console.log(`  heap+arrayBuffers growth: ${(perMillion / 2 ** 20).toFixed(1)} MB per million requests (${(perMillion / 1e6).toFixed(0)} bytes per request)`);
console.log(`  fold: ${((foldMs * 1e3) / REQUESTS).toFixed(2)} µs per request (making each record included); lifecycle report from the state: ${buildMs.toFixed(0)} ms`);
console.log(`  report: ${out.load_summary.count} requests, ${out.successes.count} successes, ${JSON.stringify(Object.keys(out.failures.by_label ?? {}))}`);
