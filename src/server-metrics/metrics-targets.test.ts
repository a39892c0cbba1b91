import { describe, expect, it } from "vitest";
import { discoverMetricsTargets, podNameOfUrl, replicaListOf, targetsOfUrls } from "./metrics-targets.ts";
import { computeScrapedSeriesByPod } from "./scraped-pod-series.ts";
import type { Scrape } from "./scraped-peaks.ts";

describe("podNameOfUrl / targetsOfUrls", () => {
  it("host:port of an endpoint, the pod of an API-server pod proxy; duplicates numbered", () => {
    expect(podNameOfUrl("http://10.132.0.118:8000/metrics")).toBe("10.132.0.118:8000");
    expect(podNameOfUrl("https://vllm-0.vllm:8443/metrics")).toBe("vllm-0.vllm:8443");
    expect(podNameOfUrl("https://api:6443/api/v1/namespaces/serving/pods/vllm-7d9c-abc:8000/proxy/metrics")).toBe("vllm-7d9c-abc");
    expect(podNameOfUrl("https://api:6443/api/v1/namespaces/serving/pods/vllm-x/proxy/metrics")).toBe("vllm-x");
    expect(targetsOfUrls(["http://a:1/metrics", "http://a:1/other", "http://b:1/metrics"]).map((t) => t.pod)).toEqual(["a:1", "a:1#2", "b:1"]);
  });
});

describe("replicaListOf / discoverMetricsTargets", () => {
  const router = JSON.stringify({ detail: "a router", replicas: ["http://127.0.0.1:9001/metrics", "http://127.0.0.1:9002/metrics"] });
  it("reads a router's replica list; anything else is none", () => {
    expect(replicaListOf(router)).toEqual(["http://127.0.0.1:9001/metrics", "http://127.0.0.1:9002/metrics"]);
    for (const body of ["Not Found", "{}", '{"replicas": []}', '{"replicas": ["/relative"]}', '{"replicas": [1]}']) expect(replicaListOf(body)).toBeNull();
  });

  it("explicit URLs win without asking; a 404 with a list is the list; a 200 or an error is one target", async () => {
    let asked = 0;
    const answer = (status: number, body: string) => (async () => (asked++, new Response(body, { status }))) as unknown as typeof fetch;
    expect(await discoverMetricsTargets("http://t/metrics", ["http://x:1/metrics"], { fetchFn: answer(404, router) })).toEqual([{ pod: "x:1", url: "http://x:1/metrics" }]);
    expect(asked).toBe(0);
    expect((await discoverMetricsTargets("http://t/metrics", [], { fetchFn: answer(404, router) }))!.map((t) => t.pod)).toEqual(["127.0.0.1:9001", "127.0.0.1:9002"]);
    expect(await discoverMetricsTargets("http://t/metrics", [], { fetchFn: answer(200, router) })).toBeNull();
    expect(await discoverMetricsTargets("http://t/metrics", [], { fetchFn: answer(404, "Not Found") })).toBeNull();
    const refused = (async () => Promise.reject(new TypeError("fetch failed"))) as unknown as typeof fetch;
    expect(await discoverMetricsTargets("http://t/metrics", [], { fetchFn: refused })).toBeNull();
  });
});

describe("computeScrapedSeriesByPod", () => {
  const s = (name: string, pod: string, value: number, engine = "0") => ({ name, labels: { model_name: "m", engine, pod }, value });
  it("splits one tick's merged scrape by pod; each pod's engines summed, its KV the busiest engine", () => {
    const scrapes: Scrape[] = [
      { source: "vllm", tMs: 1000, samples: [s("vllm:num_requests_waiting", "a", 2), s("vllm:num_requests_waiting", "a", 3, "1"), s("vllm:kv_cache_usage_perc", "a", 0.4), s("vllm:kv_cache_usage_perc", "a", 0.6, "1"), s("vllm:num_requests_waiting", "b", 0), s("vllm:kv_cache_usage_perc", "b", 0.05)] },
      { source: "dcgm", tMs: 1000, samples: [] },
    ];
    const out = computeScrapedSeriesByPod(scrapes, "m");
    expect(out.map((p) => p.pod)).toEqual(["a", "b"]);
    expect(out[0]!.series.find((x) => x.key === "waiting")!.points).toEqual([{ tMs: 1000, value: 5 }]);
    expect(out[0]!.series.find((x) => x.key === "kvCachePct")!.points).toEqual([{ tMs: 1000, value: 60 }]);
    expect(out[1]!.series.find((x) => x.key === "kvCachePct")!.points).toEqual([{ tMs: 1000, value: 5 }]);
    expect(computeScrapedSeriesByPod([{ source: "vllm", tMs: 1, samples: [{ name: "vllm:num_requests_waiting", labels: { model_name: "m" }, value: 1 }] }], "m")).toEqual([]);
  });
});
