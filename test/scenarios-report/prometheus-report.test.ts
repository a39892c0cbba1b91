/**
 * The Prometheus report against a real Prometheus (Debian's /usr/bin/prometheus, 1 s scrapes) scraping the
 * simulator in deterministic mode (TTFT 40 ms, ITL 8 ms, 16 tokens per request: server-side e2e 160 ms).
 * Two short stages are sent with the native client; then every report query runs for the summary and each
 * stage at inference-perf's evaluation times. Checks: every query is accepted by Prometheus, the numbers the
 * simulator's histograms and counters must give come out (within bucket and extrapolation error), and a metric
 * the simulator does not expose is 0.0 in the inference-perf file (as 0.7.0 writes it) and null in kneepoint's
 * own kneepoint_prometheus_report.json. Against the real inference-perf: test/prometheus-parity/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStreamClient } from "../../src/engine/openai-stream-client.ts";
import type { PrometheusReport } from "../../src/scenarios/report/build-prometheus-report.ts";
import { collectPrometheusReports, KNEEPOINT_PROMETHEUS_FILE, type PrometheusReportOutcome } from "../../src/scenarios/report/collect-prometheus-reports.ts";
import type { ScenarioRecord, StageRun } from "../../src/scenarios/types.ts";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { skipWithoutPrometheus, startPrometheus, type RunningPrometheus } from "../prometheus/start-prometheus.ts";

const SKIP = skipWithoutPrometheus();
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const PER_STAGE = 10;

let sim: RunningSimulator;
let prom: RunningPrometheus;
let stages: StageRun[];
let outcome: PrometheusReportOutcome;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function runStage(index: number, rate: number): Promise<StageRun> {
  const client = createStreamClient({ baseUrl: sim.url, endpoint: "/v1/completions", headers: {}, connections: PER_STAGE, timeoutMs: 10_000 });
  const never = new AbortController().signal;
  const startEpochMs = Date.now();
  const startMs = performance.now();
  const records: ScenarioRecord[] = await Promise.all(
    Array.from({ length: PER_STAGE }, async (_, i) => {
      const scheduledMs = startMs + (i * 1000) / rate;
      await sleep(Math.max(0, scheduledMs - performance.now()));
      const body = JSON.stringify({ model: MODEL, prompt: `stage ${index} request ${i}`, max_tokens: 16, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
      const rec = await client.send({ index: i, body, plannedPromptTokens: 5 }, never);
      return { ...rec, stage: index, scheduledMs, endMs: rec.endMs as number };
    }),
  );
  await client.close();
  return { index, plan: { kind: "constant", rate, durationS: PER_STAGE / rate }, status: "completed", startMs, endMs: performance.now(), startEpochMs, endEpochMs: Date.now(), records, unsent: 0 };
}

beforeAll(async () => {
  if (SKIP) return;
  sim = await startSimulator({ port: 0, ttftMs: 40, itlMs: 8 });
  prom = await startPrometheus([{ name: "vllm", target: new URL(sim.url).host, metricsPath: "/metrics", labels: { namespace: "bench" } }], 1);
  stages = [await runStage(0, 10)];
  await sleep(1000); // inference-perf's load.interval between stages
  stages.push(await runStage(1, 20));
  outcome = await collectPrometheusReports(
    stages,
    { url: prom.url, server: "vllm", model: MODEL, filters: ['namespace="bench"'], scrapeIntervalS: 1, summary: true, perStage: true },
    { clock: Date.now, sleep },
  );
}, 60_000);
afterAll(async () => {
  await prom?.stop();
  await sim?.close();
});

type PromSummary = { mean: number; median: number; p90: number; p99: number };
function report(name: string, o = outcome): PrometheusReport<number> | null {
  const file = o.files.find((f) => f.name === name);
  return file?.kind === "json" ? (file.contents as PrometheusReport<number>) : null;
}
interface TruthFile {
  reports: Array<{ file: string; report: PrometheusReport<number | null>; queries: Array<{ status: string; error?: string }> }>;
  queries: { sent: number; failed: number };
}
const truthOf = (o = outcome) => report(KNEEPOINT_PROMETHEUS_FILE, o) as unknown as TruthFile;
const summaryOf = (r: PrometheusReport<number> | null, key: string) => r?.successes[key] as PromSummary;

describe.skipIf(SKIP)("Prometheus report against a real Prometheus", () => {
  it("writes the summary and one file per stage; Prometheus accepts every query", () => {
    if (process.env.SHOW_REPORT === "1") console.log(JSON.stringify(report("stage_1_prometheus_metrics"), null, 1));
    expect(outcome.warnings).toEqual([]);
    expect(outcome.files.map((f) => f.name)).toEqual(["summary_prometheus_metrics", "stage_0_prometheus_metrics", "stage_1_prometheus_metrics", KNEEPOINT_PROMETHEUS_FILE]);
    expect(truthOf().queries.failed).toBe(0);
  });

  it("counts each stage's requests (increase() extrapolates to the window's edges: at or above the truth)", () => {
    // A ~4 s window holds ~4 scrapes spanning ~3 s, so increase() scales the observed 10 by up to 4/3 (13.3 seen);
    // a missed scrape on a busy machine can widen that, hence the loose upper bound. The lower bound is the point:
    // each stage's window holds its own requests.
    for (const name of ["stage_0_prometheus_metrics", "stage_1_prometheus_metrics"]) {
      const count = report(name)!.successes.count as number;
      expect(count, name).toBeGreaterThanOrEqual(PER_STAGE - 0.5);
      expect(count, name).toBeLessThan(PER_STAGE * 2.5);
    }
    const all = report("summary_prometheus_metrics")!.successes.count as number;
    expect(all).toBeGreaterThanOrEqual(2 * PER_STAGE - 0.5);
    expect(all).toBeLessThan(2 * PER_STAGE * 2.5);
    expect(report("summary_prometheus_metrics")!.successes.request_success_count).toBe(all);
  });

  it("the simulator's latencies: e2e mean 160 ms, TTFT mean 40 ms, ITL mean 8 ms (sum / count is exact)", () => {
    const s = report("stage_1_prometheus_metrics");
    expect(summaryOf(s, "request_latency").mean!).toBeCloseTo(0.16, 2);
    expect(summaryOf(s, "time_to_first_token").mean!).toBeCloseTo(0.04, 2);
    expect(summaryOf(s, "inter_token_latency").mean!).toBeCloseTo(0.008, 2);
    // histogram_quantile interpolates inside the bucket holding the median: (0.1, 0.25] s for 40 ms TTFT buckets … checked loosely
    const ttftMedian = summaryOf(s, "time_to_first_token").median!;
    expect(ttftMedian).toBeGreaterThan(0.02);
    expect(ttftMedian).toBeLessThanOrEqual(0.06);
  });

  it("prompt and output rates are positive; the waiting queue was empty", () => {
    const s = report("stage_0_prometheus_metrics")!.successes;
    expect((s.output_len as { rate: number }).rate).toBeGreaterThan(0);
    expect((s.prompt_len as { rate: number }).rate).toBeGreaterThan(0);
    expect(s.queue_len).toEqual({ mean: 0 });
  });

  it("prefix caching off: the simulator counts prefix-cache queries and no hits, so 0 % in both files", () => {
    const s = report("summary_prometheus_metrics")!.successes;
    expect(s.prefix_cache_hit_percent).toEqual({ mean: 0 });
    const truth = truthOf().reports.find((r) => r.file === "summary_prometheus_metrics.json")!.report.successes;
    expect(truth.prefix_cache_hit_percent).toEqual({ mean: 0 });
  });

  it("metrics the simulator does not expose: 0.0 in inference-perf's file (as 0.7.0), null in kneepoint's own", () => {
    const s = report("summary_prometheus_metrics")!.successes;
    expect(summaryOf(report("summary_prometheus_metrics"), "time_per_output_token")).toEqual({ mean: 0, median: 0, p90: 0, p99: 0 });
    expect(s.num_requests_swapped).toEqual({ mean: 0 });
    expect(s.corrupted_requests).toBe(0);
    const truth = truthOf().reports.find((r) => r.file === "summary_prometheus_metrics.json")!.report.successes;
    expect(truth.time_per_output_token).toEqual({ mean: null, median: null, p90: null, p99: null });
    expect(truth.num_requests_swapped).toEqual({ mean: null });
    expect(truth.corrupted_requests).toBeNull();
    expect(truth.count).toBe(s.count);
  });

  it("an unreachable Prometheus: the files zero-filled as inference-perf writes them, a loud warning, kneepoint's record says why", async () => {
    const down = await collectPrometheusReports(
      stages,
      { url: "http://127.0.0.1:1", server: "vllm", model: MODEL, filters: [], scrapeIntervalS: 1, summary: true, perStage: true },
      { clock: Date.now, sleep },
    );
    expect(down.files.map((f) => f.name)).toEqual(["summary_prometheus_metrics", "stage_0_prometheus_metrics", "stage_1_prometheus_metrics", KNEEPOINT_PROMETHEUS_FILE]);
    const flat = (o: unknown): unknown[] => (o !== null && typeof o === "object" ? Object.values(o).flatMap(flat) : [o]);
    expect(flat(report("stage_1_prometheus_metrics", down)!.successes).every((v) => v === 0)).toBe(true);
    expect(down.warnings).toHaveLength(1);
    expect(down.warnings[0]).toMatch(/^PROMETHEUS REPORT NOT MEASURED: Prometheus at http:\/\/127\.0\.0\.1:1\/? answered none of the \d+ report queries \(Prometheus is unreachable: [^)]+\)/);
    expect(down.warnings[0]).toContain("kneepoint_prometheus_report.json");
    const truth = truthOf(down);
    expect(truth.queries.failed).toBe(truth.queries.sent);
    expect(truth.reports.flatMap((r) => r.queries).every((q) => q.status === "failed" && q.error!.includes("Prometheus is unreachable"))).toBe(true);
    expect(flat(truth.reports[0]!.report.successes).every((v) => v === null || v === 0)).toBe(true);
    expect(truth.reports[0]!.report.successes.count).toBeNull();
  });
});
