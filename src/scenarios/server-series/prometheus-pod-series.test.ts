/**
 * The `by (pod)` server series against a real Prometheus (Debian's /usr/bin/prometheus, 1 s scrapes) scraping the
 * two replicas of `kneepoint sim --replicas 2`, each target labelled `pod` as Kubernetes service discovery labels a
 * pod: the recorder's range queries come back per pod, and server_metrics_timeseries.json gets both pods beside
 * the aggregate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithoutPrometheus, startPrometheus, type RunningPrometheus } from "../../../test/prometheus/start-prometheus.ts";
import { startSimulator, type RunningSimulator } from "../../sim/server.ts";
import { createServerSeriesRecorder } from "./server-series-recorder.ts";

const SKIP = skipWithoutPrometheus();
let sim: RunningSimulator;
let prom: RunningPrometheus;

beforeAll(async () => {
  if (SKIP) return;
  sim = await startSimulator({ port: 0, replicas: 2, router: "random", speedup: 2 });
  prom = await startPrometheus(
    sim.replicaUrls!.map((u, i) => ({ name: `vllm-${i}`, target: new URL(u).host, metricsPath: "/metrics", labels: { namespace: "bench", pod: `vllm-${i}` } })),
    1,
  );
}, 60_000);
afterAll(async () => {
  await Promise.all([prom?.stop(), sim?.close()]);
});

describe.skipIf(SKIP)("per-pod series from Prometheus", () => {
  it("sum by (pod) / max by (pod): both replicas' series in the file, the aggregate beside them", async () => {
    const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    const model = models.data[0]!.id;
    const rec = createServerSeriesRecorder({ kind: "prometheus", url: prom.url, server: "vllm", model, filters: ['namespace="bench"'], scrapeIntervalS: 1 });
    rec.start();
    const send = () => fetch(`${sim.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, prompt: "hello ".repeat(200), max_tokens: 64 }) }).then((r) => r.text());
    const inFlight: Array<Promise<string>> = [];
    for (let i = 0; i < 12; i++) {
      inFlight.push(send());
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all(inFlight);
    const { file, warnings } = await rec.finish([]);
    expect(warnings).toEqual([]);
    expect(file!.pods!.map((p) => p.pod)).toEqual(["vllm-0", "vllm-1"]);
    for (const p of file!.pods!) {
      expect(p.samples.length).toBeGreaterThan(2);
      expect(p.samples.every((s) => s.num_requests_running !== null && s.kv_cache_usage_perc !== null)).toBe(true);
    }
    // At a shared step, the aggregate's running is the pods' sum.
    const [a, b] = file!.pods!;
    const t = a!.samples.find((s) => b!.samples.some((x) => x.t_epoch_s === s.t_epoch_s))!.t_epoch_s;
    const at = (xs: NonNullable<typeof file>["samples"]) => xs.find((s) => s.t_epoch_s === t)!;
    expect(at(file!.samples).num_requests_running).toBe(at(a!.samples).num_requests_running! + at(b!.samples).num_requests_running!);
  }, 60_000);
});
