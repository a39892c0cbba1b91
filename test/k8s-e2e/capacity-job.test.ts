/**
 * `kneepoint capacity --in-cluster` (make capacity-job) end to end against a real control plane (cluster-fixture.ts):
 * the real CLI renders the Job with the capacity command, ships the native bundle, the node agent runs it with the
 * real `node` against the vllm Service, whose pod is a simulator 10× faster than its modelled H100; the probes come
 * back through the log, and the reports and the gate are made on this side; the Job and the bundle are deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Job } from "@kubernetes/client-node";
import type { CapacityDocument } from "../../src/capacity/capacity-document.ts";
import { skipWithoutPrometheus } from "../prometheus/start-prometheus.ts";
import { peersSkipped } from "../real-peers/peers.ts";
import { allText, NS, runDirs, SECRET, startClusterFixture, unreachableKubeconfig, type ClusterFixture } from "./cluster-fixture.ts";

const skipped = peersSkipped();
let fixture: ClusterFixture;

beforeAll(async () => {
  if (skipped) return;
  fixture = await startClusterFixture({ simArgs: "--profile h100-8b --speedup 10" });
  const up = await fixture.kneepoint(["vllm-up"]);
  if (up.code !== 0) throw new Error(`vllm-up failed: ${up.stderr}`);
}, 900_000);

afterAll(async () => {
  await fixture?.close();
});

/** Small, fast probes: the closed loop only, c = 2 then 4 (the maximum), each ≥ 20 requests and ≥ 1 s. */
const SEARCH = ["--search", "concurrency", "--start-concurrency", "2", "--max-concurrency", "4", "--min-probe-s", "1", "--min-requests", "20"];
const SHAPE = { INPUT_LEN: "16", OUTPUT_LEN: "8" };

describe.skipIf(skipped)("kneepoint capacity --in-cluster on a real control plane", () => {
  it("a bad SLO exits 2 before the Kubernetes API is called", async () => {
    // Against an API server that does not answer: had it been called first, this would be exit 3, "unreachable".
    const run = await fixture.kneepoint(["capacity", "--in-cluster", "--slo", "p95(ttft)<=fast"], { KUBECONFIG: unreachableKubeconfig(fixture.work) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--slo #1 'p95\(ttft\)<=fast'/);
    expect(run.stderr).not.toMatch(/unreachable/);
  });

  it("runs the search in the Job, reports it here, fails the gate with exit 4 and deletes the Job", async () => {
    const out = join(fixture.work, "capacity");
    const run = await fixture.kneepoint(["capacity", "--in-cluster", "--slo", "p95(e2el)<=60s", ...SEARCH, "--out", out, "--no-charts", "--fail-on", "capacity_concurrency < 8"], SHAPE);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/native engine bundled: \d+ KiB/);
    expect(run.stderr).toMatch(/^pod: (running on gpu-node-1|finished)$/m);
    // One line per probe, from its block in the log; the blocks themselves are not echoed.
    expect(run.stderr).toMatch(/^ {2}probe #1 c=2: pass: p95\(e2el\) [\d.]+ ms; \d+ requests/m);
    expect(run.stderr).toMatch(/^ {2}probe #2 c=4: pass: /m);
    expect(run.stderr).not.toMatch(/kneepoint-capacity-probe/);
    expect(run.stderr).toMatch(/Job succeeded/);
    expect(run.stdout).toMatch(/≥ 4 \(the search's maximum\)/);
    expect(run.stdout).toMatch(/^ {2}FAIL {2}capacity_concurrency < 8/m);

    const [dir] = runDirs(out);
    const job = JSON.parse(readFileSync(join(dir!, "job.json"), "utf8")) as V1Job;
    const container = job.spec!.template.spec!.containers[0]!;
    expect(container.command![2]).toMatch(/set -- capacity --base-url "\$BASE_URL"/);
    expect(container.args).toEqual(expect.arrayContaining(["--slo", "p95(e2el)<=60s", "--min-probe-s", "1", "--min-requests", "20", "--search", "concurrency"]));
    const doc = JSON.parse(readFileSync(join(dir!, "capacity.json"), "utf8")) as CapacityDocument;
    expect(doc).toMatchObject({ status: "complete", runId: dir!.split("/").pop() });
    expect(doc.probes.map((p) => [p.axis, p.level, p.pass])).toEqual([
      ["concurrency", 2, true],
      ["concurrency", 4, true],
    ]);
    expect(doc.results).toMatchObject([{ axis: "concurrency", answer: 4, reason: "max-reached" }]);
    expect(doc.probes.every((p) => p.measuredRequests >= 20)).toBe(true);
    for (const f of ["report.md", "report.html", "probe-1.json", "probe-2.json", "gates.json", "job.log"]) expect(existsSync(join(dir!, f)), f).toBe(true);
    expect(readFileSync(join(dir!, "report.md"), "utf8")).toMatch(/p95\(e2el\)/);
    expect(JSON.parse(readFileSync(join(dir!, "probe-2.json"), "utf8"))).toMatchObject({ max_concurrency: 4, failed: 0 });
    for (const text of [run.stdout, run.stderr, allText(dir!)]) expect(text).not.toContain(SECRET);
    expect(await fixture.get("Job", NS, "vllm-bench")).toBeUndefined();
    expect(await fixture.get("ConfigMap", NS, "kneepoint-engine")).toBeUndefined();
  }, 40_000);

  it("Ctrl-C after the first probe deletes the Job and keeps what came back: a partial capacity.json, exit 130", async () => {
    const out = join(fixture.work, "interrupted");
    let sent = false;
    const search = ["--search", "concurrency", "--start-concurrency", "1", "--max-concurrency", "64", "--min-probe-s", "1", "--min-requests", "20"];
    const run = await fixture.kneepoint(["capacity", "--in-cluster", "--slo", "p95(e2el)<=60s", ...search, "--out", out, "--no-charts"], SHAPE, (stderr, child) => {
      if (sent || !/probe #1 c=1: pass/.test(stderr)) return;
      sent = true;
      child.kill("SIGINT");
    });
    expect(sent).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/stopping: deleting the Job/);
    const [dir] = runDirs(out);
    const doc = JSON.parse(readFileSync(join(dir!, "capacity.json"), "utf8")) as CapacityDocument;
    expect(doc.status).toBe("partial");
    expect(doc.probes.length).toBeGreaterThanOrEqual(1);
    expect(doc.probes[0]).toMatchObject({ level: 1, pass: true });
    expect(doc.results).toMatchObject([{ axis: "concurrency", reason: "interrupted", answer: doc.probes.at(-1)!.level }]);
    expect(existsSync(join(dir!, "report.md"))).toBe(true);
    expect(await fixture.get("Job", NS, "vllm-bench")).toBeUndefined();
  }, 40_000);

  it("PROMETHEUS_SERVICE: the server's state at the answer, read per probe by the runner through the API server", async () => {
    if (skipWithoutPrometheus()) return;
    const prom = await fixture.startPrometheus();
    try {
      const out = join(fixture.work, "prometheus");
      // One probe of at least 3 s, so 1 s scrapes land inside its window; 300-token answers keep the server busy
      // between the client's requests (8-token ones finish in a few ms, and a scrape would often find it idle: CI saw
      // runningMax 0 once).
      const search = ["--search", "concurrency", "--start-concurrency", "4", "--max-concurrency", "4", "--min-probe-s", "3", "--min-requests", "20"];
      const run = await fixture.kneepoint(["capacity", "--in-cluster", "--slo", "p95(e2el)<=60s", ...search, "--out", out, "--no-charts"], { ...SHAPE, OUTPUT_LEN: "300", PROMETHEUS_SERVICE: "monitoring/prometheus-k8s:9090", SCRAPE_INTERVAL: "1" });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/server metrics could not be read/);
      const [dir] = runDirs(out);
      const doc = JSON.parse(readFileSync(join(dir!, "capacity.json"), "utf8")) as CapacityDocument;
      expect(doc.serverMetrics).toMatch(/^peaks from Prometheus Service monitoring\/prometheus-k8s:9090 through the API server/);
      expect(Object.keys(doc.serverPeaks)).toEqual(["1"]);
      expect(doc.results[0]!.serverState).toMatchObject({ probe: 1, runningMax: expect.any(Number), note: null });
      expect(doc.results[0]!.serverState!.runningMax).toBeGreaterThan(0);
    } finally {
      await prom.stop();
    }
  }, 40_000);
});
