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
    // The first GET asked whether the target is a router with replicas (a 200 with metrics: one target).
    expect(file!.samples.length).toBe(n - 1); // every scrape, before and after the stage end, once
    expect(file!.samples.map((s) => s.num_requests_running)).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 2)); // not the other model's 99
    expect(file!.samples[0]).toMatchObject({ num_requests_waiting: 2, kv_cache_usage_perc: 0.02 });
    expect(file!.pods).toBeUndefined();
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
    expect(bodies.map((b) => [b.get("start"), b.get("end"), b.get("step")])).toEqual(Array(6).fill(["1000.000", "1060.000", "15.000"]));
    expect(bodies[0]!.get("query")).toContain('namespace="b"');
    // then the same three kept by pod; these series have no pod label, so the file has no per-pod part
    expect(bodies.slice(3).map((b) => b.get("query"))).toEqual([
      `100 * (max by (pod) (vllm:kv_cache_usage_perc{model_name="m",namespace="b"}) or max by (pod) (vllm:gpu_cache_usage_perc{model_name="m",namespace="b"}))`,
      `sum by (pod) (vllm:num_requests_waiting{model_name="m",namespace="b"})`,
      `sum by (pod) (vllm:num_requests_running{model_name="m",namespace="b"})`,
    ]);
    expect(file!.pods).toBeUndefined();
    expect(file!.samples).toEqual([{ t_epoch_s: 1000.5, kv_cache_usage_perc: 0.5, num_requests_waiting: 4, num_requests_running: 2 }]);
  });
});

describe("multi-replica targets", () => {
  const replicaExposition = (waiting: number, kv: number) =>
    `vllm:num_requests_running{model_name="${M}",engine="0"} 1\nvllm:num_requests_waiting{model_name="${M}",engine="0"} ${waiting}\nvllm:kv_cache_usage_perc{model_name="${M}",engine="0"} ${kv}\n`;

  it("a router's 404 replica list: each replica scraped, per-pod samples beside the aggregate (waiting summed, KV busiest)", async () => {
    const asked: string[] = [];
    const fetchFn = (async (url: string) => {
      asked.push(url);
      if (url === "http://router/metrics") return Response.json({ detail: "a router", replicas: ["http://127.0.0.1:9001/metrics", "http://127.0.0.1:9002/metrics"] }, { status: 404 });
      return new Response(url.includes(":9001") ? replicaExposition(5, 0.9) : replicaExposition(0, 0.1));
    }) as typeof fetch;
    let t = 1_000_000;
    const rec = createServerSeriesRecorder({ kind: "direct", metricsUrl: "http://router/metrics", model: M, headers: {}, intervalMs: 5 }, { fetchFn, clock: () => (t += 1000) });
    rec.start();
    await sleep(30);
    const { file, warnings } = await rec.finish([]);
    expect(warnings).toEqual([]);
    expect(asked.filter((u) => u === "http://router/metrics")).toHaveLength(1); // asked once, never scraped
    expect(file!.pods!.map((p) => p.pod)).toEqual(["127.0.0.1:9001", "127.0.0.1:9002"]);
    expect(file!.pods![0]!.samples[0]).toMatchObject({ num_requests_waiting: 5, kv_cache_usage_perc: 0.9, num_requests_running: 1 });
    expect(file!.pods![1]!.samples[0]).toMatchObject({ num_requests_waiting: 0, kv_cache_usage_perc: 0.1, num_requests_running: 1 });
    // aggregate of one tick: waiting 5 + 0, running 1 + 1, KV max(0.9, 0.1)
    expect(file!.samples[0]).toMatchObject({ num_requests_waiting: 5, kv_cache_usage_perc: 0.9, num_requests_running: 2 });
    expect(file!.samples.length).toBe(file!.pods![0]!.samples.length);
  });

  it("--metrics-url URLs replace the target's /metrics; a replica that fails is named in a warning", async () => {
    const fetchFn = (async (url: string) => {
      if (url.includes("down")) throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
      if (url.includes("target")) throw new Error("the target's own /metrics must not be asked");
      return new Response(replicaExposition(2, 0.5));
    }) as typeof fetch;
    const rec = createServerSeriesRecorder(
      { kind: "direct", metricsUrl: "http://target/metrics", metricsUrls: ["http://a:8000/metrics", "http://down:8000/metrics"], model: M, headers: {}, intervalMs: 5 },
      { fetchFn },
    );
    rec.start();
    await sleep(25);
    const { file, warnings } = await rec.finish([]);
    expect(file!.pods!.map((p) => p.pod)).toEqual(["a:8000"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^server time series: direct scrape of http:\/\/down:8000\/metrics failed \d+ of \d+ times \(last: ECONNREFUSED\)$/);
  });
});
