/**
 * One cell of the engine benchmark, run in its own process (started by engine-bench.ts, pinned to the client
 * core, with --expose-gc): a closed loop of `concurrency` workers with the native engine or the raw reader
 * against an already running simulator, an unmeasured warmup, then a measured window. Prints one JSON line
 * (RESULT_MARKER + CellResult) on stdout.
 *
 *   node --expose-gc --import tsx bench/engine-cell.ts '<CellSpec JSON>'
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { runClosedLoop } from "../src/load/closed-loop.ts";
import { createStreamClient, type PreparedRequest } from "../src/engine/openai-stream-client.ts";
import type { RequestRecord } from "../src/engine/request-record.ts";
import { summarizeStep } from "../src/metrics/summarize-step.ts";
import { RESULT_MARKER, readMachineBusyTicks, readProcCpuTicks, type CellResult, type CellSpec } from "./engine-cell-spec.ts";
import { createRawSseClient } from "./raw-sse-reader.ts";

const MB = 1024 * 1024;

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the cell with node --expose-gc");
  gc();
  gc();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Token events and distinct read times inside [fromMs, toMs] over all records. */
function countInWindow(records: readonly RequestRecord[], fromMs: number, toMs: number): { tokens: number; reads: number } {
  let tokens = 0;
  let reads = 0;
  for (const rec of records) {
    let prev = NaN;
    for (const t of rec.chunkTimesMs) {
      if (t < fromMs || t > toMs) continue;
      tokens++;
      if (t !== prev) reads++;
      prev = t;
    }
  }
  return { tokens, reads };
}

interface WindowReading {
  fromMs: number;
  toMs: number;
  /** Client CPU (user + system) over the window, µs. */
  clientCpuUs: number;
  /** Clock ticks over the window of the simulator and of the whole machine; null without /proc. */
  simTicks: number | null;
  machineTicks: number | null;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

const delta = (now: number | null, then: number | null): number | null => (now !== null && then !== null ? now - then : null);

/** Sleeps through the warmup, measures the window, then fires `stop`. */
async function measureWindow(spec: CellSpec, stop: AbortController): Promise<WindowReading> {
  const simTicks = (): number | null => (spec.simPid === null ? null : readProcCpuTicks(spec.simPid));
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  await sleep(spec.warmupMs);
  const fromMs = performance.now();
  const cpu = process.cpuUsage();
  const sim0 = simTicks();
  const machine0 = readMachineBusyTicks();
  loopDelay.enable();
  await sleep(spec.windowMs);
  const toMs = performance.now();
  const cpuUsed = process.cpuUsage(cpu);
  const reading: WindowReading = {
    fromMs,
    toMs,
    clientCpuUs: cpuUsed.user + cpuUsed.system,
    simTicks: delta(simTicks(), sim0),
    machineTicks: delta(readMachineBusyTicks(), machine0),
    loopDelayP99Ms: 0,
    loopDelayMaxMs: 0,
  };
  loopDelay.disable();
  reading.loopDelayP99Ms = loopDelay.percentile(99) / 1e6;
  reading.loopDelayMaxMs = loopDelay.max / 1e6;
  stop.abort();
  return reading;
}

async function runCell(spec: CellSpec): Promise<CellResult> {
  fullGc();
  const heapBaseline = process.memoryUsage().heapUsed;
  // Every slot holds the same request (the index is not used by the benchmark): 4 bytes a slot, not an object each.
  const request: PreparedRequest = { index: 0, body: spec.body, plannedPromptTokens: spec.plannedPromptTokens };
  const requests: PreparedRequest[] = new Array<PreparedRequest>(spec.maxRequests).fill(request);
  const client =
    spec.client === "engine"
      ? createStreamClient({ baseUrl: spec.baseUrl, endpoint: spec.endpoint, headers: {}, connections: spec.concurrency, timeoutMs: 120_000 })
      : createRawSseClient({ baseUrl: spec.baseUrl, path: spec.endpoint, connections: spec.concurrency });

  const rssStart = process.memoryUsage().rss;
  const stop = new AbortController();
  const windowDone = measureWindow(spec, stop);
  const run = await runClosedLoop({
    concurrency: spec.concurrency,
    requests,
    send: (req, signal) => client.send(req, signal),
    stop: stop.signal,
    abort: new AbortController().signal,
    now: () => performance.now(),
  });
  const ranOut = !stop.signal.aborted;
  const w = await windowDone;
  const rssEnd = process.memoryUsage().rss;

  const windowMs = w.toMs - w.fromMs;
  const inWindow = run.records.filter((r) => r.sendMs >= w.fromMs && r.sendMs < w.toMs);
  const summary = summarizeStep(inWindow, {
    durationMs: windowMs,
    startedAtMs: 0,
    endedAtMs: 0,
    label: null,
    modelId: "sim",
    tokenizerId: null,
    numPrompts: inWindow.length,
    requestRate: "inf",
    burstiness: 1,
    maxConcurrency: spec.concurrency,
    percentiles: [50, 99],
  });
  const counts = countInWindow(run.records, w.fromMs, w.toMs);
  const recordsTotal = run.records.length;
  let chunks = 0;
  for (const r of run.records) chunks += r.chunkTimesMs.length;

  // Memory: live heap with the records held, then without them (a macrotask before each full GC, so closed
  // sockets and weak references are gone).
  await client.close();
  requests.length = 0;
  await sleep(10);
  fullGc();
  const heapWithRecords = process.memoryUsage().heapUsed;
  run.records.length = 0;
  inWindow.length = 0;
  await sleep(10);
  fullGc();
  const heapWithout = process.memoryUsage().heapUsed;

  const pctOfCore = (ms: number): number => (ms / windowMs) * 100;
  const ticksMs = (ticks: number): number => (ticks / spec.clockTicksPerS) * 1000;
  const clientCpuPct = pctOfCore(w.clientCpuUs / 1000);
  const simCpuPct = w.simTicks === null ? null : pctOfCore(ticksMs(w.simTicks));
  const { body: _body, ...specOut } = spec;
  return {
    spec: specOut,
    windowMs,
    requestsInWindow: summary.completed + summary.failed,
    failedInWindow: summary.failed,
    errors: summary.errors_by_reason as Record<string, number>,
    recordsTotal,
    ranOut,
    ttftMs: { mean: summary.mean_ttft_ms, median: summary.median_ttft_ms, p99: summary.p99_ttft_ms ?? 0 },
    itlMs: { mean: summary.mean_itl_ms, median: summary.median_itl_ms, p99: summary.p99_itl_ms ?? 0 },
    tokensPerS: (counts.tokens / windowMs) * 1000,
    readsPerS: (counts.reads / windowMs) * 1000,
    clientCpuPct,
    simCpuPct,
    otherCpuPct: w.machineTicks === null ? null : pctOfCore(ticksMs(w.machineTicks)) - clientCpuPct - (simCpuPct ?? 0),
    loopDelayP99Ms: w.loopDelayP99Ms,
    loopDelayMaxMs: w.loopDelayMaxMs,
    rssStartMb: rssStart / MB,
    rssDeltaMb: (rssEnd - rssStart) / MB,
    heapDeltaMb: (heapWithRecords - heapBaseline) / MB,
    bytesPerRecord: recordsTotal > 0 ? (heapWithRecords - heapWithout) / recordsTotal : 0,
    chunksPerRecord: recordsTotal > 0 ? chunks / recordsTotal : 0,
  };
}

const spec = JSON.parse(process.argv[2] ?? "null") as CellSpec | null;
if (!spec) {
  process.stderr.write("usage: node --expose-gc --import tsx bench/engine-cell.ts '<CellSpec JSON>'\n");
  process.exitCode = 2;
} else {
  const result = await runCell(spec);
  process.stdout.write(RESULT_MARKER + JSON.stringify(result) + "\n");
}
