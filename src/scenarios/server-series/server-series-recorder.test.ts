import { describe, expect, it } from "vitest";
import type { StageRun } from "../types.ts";
import { createServerSeriesRecorder } from "./server-series-recorder.ts";

const M = "m";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exposition = (running: number, waiting: number, kv: number) =>
  [
    `vllm:num_requests_running{model_name="${M}",engine="0"} ${running}`,
    `vllm:num_requests_waiting{model_name="${M}",engine="0"} ${waiting}`,
    `vllm:kv_cache_usage_perc{model_name="${M}",engine="0"} ${kv}`,
    `vllm:num_requests_running{model_name="other",engine="0"} 99`,
  ].join("\n") + "\n";
const stage = (index: number, startEpochMs: number, endEpochMs: number): StageRun => ({
  index, plan: { kind: "constant", rate: 1, durationS: 1 }, status: "completed", startMs: 0, endMs: 0, startEpochMs, endEpochMs, records: [{} as StageRun["records"][number]], unsent: 0,
});

describe("direct server series recorder", () => {
  it("scrapes from start to finish across stage ends, keeps the model's series, sends the target's headers", async () => {
    let n = 0;
    const seen: Array<Record<string, string>> = [];
    const fetchFn = (async (_url: string, init?: RequestInit) => {
      seen.push(init?.headers as Record<string, string>);
      n++;
      return new Response(exposition(n, n % 3, Math.min(1, n / 100)));
    }) as typeof fetch;
    const rec = createServerSeriesRecorder({ kind: "direct", metricsUrl: "http://t/metrics", model: M, headers: { authorization: "Bearer k" }, intervalMs: 5 }, { fetchFn });
    rec.start();
    await sleep(40);
    rec.stageEnded(); // reduces and forgets the scrapes so far
    await sleep(40);
    const { file, warnings } = await rec.finish([stage(0, Date.now() - 80, Date.now())]);
    expect(warnings).toEqual([]);
    expect(file!.samples.length).toBe(n); // every scrape, before and after the stage end, once
    expect(file!.samples.map((s) => s.num_requests_running)).toEqual(Array.from({ length: n }, (_, i) => i + 1)); // not the other model's 99
    expect(file!.samples[0]).toMatchObject({ num_requests_waiting: 1, kv_cache_usage_perc: 0.01 });
    expect(file!.stages).toHaveLength(1);
    expect(seen.every((h) => h.authorization === "Bearer k")).toBe(true);
    const stoppedAt = n;
    await sleep(20);
    expect(n).toBe(stoppedAt); // finish() stopped the scraping
  });

  it("a target that does not answer: no file, one warning naming the URL", async () => {
    const fetchFn = (async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    }) as typeof fetch;
    const rec = createServerSeriesRecorder({ kind: "direct", metricsUrl: "http://t/metrics", model: M, headers: {}, intervalMs: 5 }, { fetchFn });
    rec.start();
    await sleep(20);
    const { file, warnings } = await rec.finish([]);
    expect(file).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^server time series: direct scrape of http:\/\/t\/metrics failed \d+ of \d+ times \(last: ECONNREFUSED\)$/);
  });

  it("a target without vLLM's metrics (or another model): no file, and the warning says so", async () => {
    const fetchFn = (async () => new Response('sglang:num_queue_reqs{model_name="m"} 3\n')) as typeof fetch;
    const rec = createServerSeriesRecorder({ kind: "direct", metricsUrl: "http://t/metrics", model: M, headers: {}, intervalMs: 5 }, { fetchFn });
    rec.start();
    await sleep(15);
    const { file, warnings } = await rec.finish([]);
    expect(file).toBeNull();
    expect(warnings).toEqual(["server time series: http://t/metrics has no vLLM series for model 'm' (vllm:num_requests_running …); the waiting-queue and KV-cache charts are skipped"]);
  });
});

describe("Prometheus server series recorder", () => {
  it("range-queries the run's window [start(), finish()] after the last scrape landed", async () => {
    let nowMs = 1_000_000;
    const bodies: URLSearchParams[] = [];
    const fetchFn = (async (_url: string, init?: RequestInit) => {
      const body = new URLSearchParams(String(init?.body));
      bodies.push(body);
      const query = body.get("query")!;
      const value = query.includes("waiting") ? "4" : query.includes("running") ? "2" : "50";
      return Response.json({ status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: [[1000.5, value]] }] } });
    }) as typeof fetch;
    const rec = createServerSeriesRecorder(
      { kind: "prometheus", url: "http://prom:9090", server: "vllm", model: M, filters: ['namespace="b"'], scrapeIntervalS: 15 },
      { fetchFn, clock: () => nowMs, sleep: async (ms) => void (nowMs += ms) },
    );
    rec.start();
    nowMs += 60_000;
    const { file, warnings } = await rec.finish([stage(0, 1_000_500, 1_050_000)]);
    expect(warnings).toEqual([]);
    expect(nowMs).toBe(1_060_000 + 17_000); // waited scrape interval + 2 s past the run's end
    expect(bodies.map((b) => [b.get("start"), b.get("end"), b.get("step")])).toEqual(Array(3).fill(["1000.000", "1060.000", "15.000"]));
    expect(bodies[0]!.get("query")).toContain('namespace="b"');
    expect(file!.samples).toEqual([{ t_epoch_s: 1000.5, kv_cache_usage_perc: 0.5, num_requests_waiting: 4, num_requests_running: 2 }]);
  });
});
