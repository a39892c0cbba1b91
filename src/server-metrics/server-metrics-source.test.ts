import { describe, expect, it } from "vitest";
import { createDirectScraper } from "./direct-scraper.ts";
import { createServerMetricsSource } from "./server-metrics-source.ts";

const VLLM_URL = "http://target/metrics";
const DCGM_URL = "http://node/dcgm";

/** A fake clock (sleep advances it) and a fake target whose running count is the scrape number. */
function fakeWorld(dcgmStatus = 200) {
  let now = 100_000;
  let n = 0;
  let dcgmAsked = 0;
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input);
    if (url === DCGM_URL) {
      dcgmAsked++;
      if (dcgmStatus !== 200) return new Response("404 page not found", { status: dcgmStatus });
      return new Response(`# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{gpu="0"} ${50 + n}\n`);
    }
    n++;
    const body = [
      "# TYPE vllm:num_requests_running gauge",
      `vllm:num_requests_running{engine="0",model_name="m"} ${n}`,
      `vllm:num_requests_running{engine="0",model_name="other"} 1000`,
      `vllm:num_preemptions_total{engine="0",model_name="m"} ${n * 2}`,
      `vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="m"} ${n}`,
    ].join("\n");
    return new Response(body);
  }) as typeof fetch;
  const sleep = async (ms: number) => {
    now += ms;
    await new Promise((r) => setImmediate(r));
  };
  return { fetchFn, sleep, nowMs: () => now, scrapes: () => n, dcgmAsked: () => dcgmAsked };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

describe("createDirectScraper", () => {
  it("scrapes every interval between start and stop, keeps only table metrics, and warns about failing URLs", async () => {
    const world = fakeWorld(404);
    const scraper = createDirectScraper({ metricsUrl: VLLM_URL, dcgmUrl: DCGM_URL, ...world });
    scraper.start();
    scraper.start(); // idempotent
    await until(() => world.scrapes() >= 4);
    await scraper.stop();
    const scrapes = scraper.scrapes();
    expect(scrapes.length).toBeGreaterThanOrEqual(4);
    expect(scrapes.map((s) => s.tMs - 100_000)).toEqual(scrapes.map((_, i) => i * 1000));
    expect(new Set(scrapes.flatMap((s) => s.samples.map((x) => x.name)))).toEqual(new Set(["vllm:num_requests_running", "vllm:num_preemptions_total"]));
    // 404 from the start: not a passing failure but no exporter there; asked 3 times, then left alone.
    expect(scraper.warnings()).toEqual([
      `direct scrape of ${DCGM_URL} answered HTTP 404 3 times from the start, so it stopped: no DCGM exporter metrics there; check --dcgm-url (dcgm-exporter serves /metrics on :9400)`,
    ]);
    expect(world.dcgmAsked()).toBe(3);
    const count = scrapes.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(scraper.scrapes()).toHaveLength(count); // stopped
  });
});

describe("createServerMetricsSource (direct)", () => {
  it("scrapes during each step and computes peaks per concurrency over its window", async () => {
    const world = fakeWorld();
    const source = createServerMetricsSource({ kind: "direct", model: "m", metricsUrl: VLLM_URL, dcgmUrl: DCGM_URL, ...world });
    source.beginStep(4);
    await until(() => world.scrapes() >= 6); // scrapes at 100 000 … 105 000 with running 1 … 6
    await source.endStep(4, 101_000, 104_000); // window holds running 2, 3, 4, 5
    const peaks = await source.peaks();
    expect([...peaks.keys()]).toEqual([4]);
    expect(peaks.get(4)).toMatchObject({ runningMax: 5, preemptions: 6, samples: 4, underSampled: false, kvCachePctMax: null });
    expect(peaks.get(4)?.gpuUtilPctMax).toBe(55); // the same tick's DCGM answer: 50 + running
    const series = await source.series();
    expect(series.map((s) => s.key)).toEqual(["running"]);
    expect(source.warnings()).toEqual([]);
    await source.close();
    await source.close();
  });
});

describe("createServerMetricsSource (prometheus)", () => {
  it("records windows, queries after the sweep, keys peaks by concurrency and says when GPUs are unfiltered", async () => {
    let now = 50_000;
    const seen: string[] = [];
    const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
      const query = new URLSearchParams(String(init?.body)).get("query") ?? "";
      seen.push(query);
      const result = query.startsWith("max_over_time(sum(vllm:num_requests_running") ? [{ metric: {}, value: [now / 1000, "4"] }] : [];
      return new Response(JSON.stringify({ status: "success", data: { resultType: "vector", result } }));
    }) as typeof fetch;
    const source = createServerMetricsSource({
      kind: "prometheus",
      url: "http://prom:9090",
      model: "m",
      scrapeIntervalS: 1,
      fetchFn,
      nowMs: () => now,
      sleep: async (ms) => void (now += ms),
    });
    source.beginStep(4);
    await source.endStep(4, 40_000, 49_000);
    const peaks = await source.peaks();
    expect(now).toBe(51_000); // 49 000 + 1 s scrape + 1 s slack
    expect(peaks.get(4)).toMatchObject({ runningMax: 4, gpuUtilPctMax: null, samples: 0, underSampled: true });
    expect(seen.every((q) => q.includes("[9s"))).toBe(true);
    expect(source.warnings()).toEqual(["GPU metrics: no pod or hostname filter, so the peaks cover every GPU this Prometheus scrapes"]);
    await source.close();
  });
});

describe("direct mode against several replicas", () => {
  it("a router's replica list is found once; each tick's waiting is summed over pods, KV the busiest pod's", async () => {
    let now = 200_000;
    let routerAsked = 0;
    const fetchFn = (async (input: string | URL | Request) => {
      const url = String(input);
      if (url === "http://router/metrics") {
        routerAsked++;
        return Response.json({ detail: "router", replicas: ["http://r0/metrics", "http://r1/metrics"] }, { status: 404 });
      }
      // r0: 3 waiting, KV 0.9; r1: 1 waiting, KV 0.2 — every scrape
      const [waiting, kv] = url === "http://r0/metrics" ? [3, 0.9] : [1, 0.2];
      return new Response(`vllm:num_requests_running{model_name="m"} 1\nvllm:num_requests_waiting{model_name="m"} ${waiting}\nvllm:kv_cache_usage_perc{model_name="m"} ${kv}\n`);
    }) as typeof fetch;
    const source = createServerMetricsSource({
      kind: "direct",
      model: "m",
      metricsUrl: "http://router/metrics",
      discoverReplicas: true,
      intervalMs: 1000,
      fetchFn,
      nowMs: () => now,
      sleep: async (ms, signal) => {
        now += ms;
        await new Promise((r) => setTimeout(r, 1));
        if (signal.aborted) return;
      },
    });
    source.beginStep(1);
    await new Promise((r) => setTimeout(r, 30));
    await source.endStep(1, 200_000, now);
    source.beginStep(2);
    await new Promise((r) => setTimeout(r, 10));
    await source.endStep(2, 0, now);
    const peaks = (await source.peaks()).get(1)!;
    expect(routerAsked).toBe(1); // discovery once, never scraped as a target
    expect(peaks.waitingMax).toBe(4); // 3 + 1
    expect(peaks.kvCachePctMax).toBe(90);
    expect(peaks.runningMax).toBe(2);
    expect(source.warnings()).toEqual([]);
    await source.close();
  });
});
