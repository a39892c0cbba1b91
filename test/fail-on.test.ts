/**
 * `--fail-on` as CI uses it: real `kneepoint sweep` and `kneepoint run` processes against a deterministic simulator
 * process (TTFT 50 ms, ITL 10 ms). Exit 4 with the failed gate named (and the step), 0 when every gate passes, 2 for
 * a bad expression before any request is sent: the target sits behind a counting proxy, which must see nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimProcess, type SimProcess } from "../src/cli/start-sim-process.ts";
import { runKneepoint } from "./run-kneepoint.ts";

let sim: SimProcess;
let proxy: Server;
let proxyUrl: string;
/** Every request the proxy forwarded, as `METHOD path`. */
const seen: string[] = [];
const completions = () => seen.filter((s) => s.startsWith("POST /v1/")).length;

const kneepoint = (args: string[]) => runKneepoint(args, { env: { NO_COLOR: "1", BASE_URL: "", BENCH_MODEL: "", TOKENIZER: "", ENDPOINT: "", OPENAI_API_KEY: "" } });
const temp = mkdtempSync(join(tmpdir(), "kp-fail-on-"));
const SWEEP = ["sweep", "--concurrency", "1,2", "--num-prompts", "4", "--input-len", "16", "--output-len", "4", "--no-charts", "--no-server-metrics"];

function scenario(baseUrl: string): string {
  const path = join(temp, `scenario-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    [
      "api: { type: completion, streaming: true }",
      "data:",
      "  type: random",
      "  input_distribution: { mean: 16, std_dev: 0, min: 16, max: 16 }",
      "  output_distribution: { mean: 4, std_dev: 0, min: 4, max: 4 }",
      "load: { type: constant, interval: 0, stages: [{ rate: 8, duration: 1 }] }",
      `server: { type: vllm, base_url: "${baseUrl}", ignore_eos: true }`,
      "report: { request_lifecycle: { summary: true, per_stage: true } }",
      "",
    ].join("\n"),
  );
  return path;
}

beforeAll(async () => {
  sim = await startSimProcess(["--ttft-ms", "50", "--itl-ms", "10"]);
  const target = new URL(sim.url);
  proxy = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await sim?.stop();
});

describe("kneepoint sweep --fail-on", () => {
  it("exits 4 naming the failed gate, its value and the step; writes gates.json", async () => {
    const out = join(temp, "sweep-fail");
    const run = await kneepoint([...SWEEP, "--base-url", sim.url, "--out", out, "--fail-on", "p95(ttft) > 40ms", "--fail-on", "error_rate > 1%"]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/^gates \(a gate fails when its expression is true; checked at every step\): 1 of 2 FAILED$/m);
    expect(run.stdout).toMatch(/^ {2}FAIL {2}p95\(ttft\) > 40ms {2}\d+\.\d ms at c=1, \d+\.\d ms at c=2 \(threshold 40ms\)$/m);
    expect(run.stdout).toMatch(/^ {2}pass {2}error_rate > 1% {3}worst 0\.00% at c=1 \(threshold 1%\)$/m);
    expect(run.stderr).toMatch(/kneepoint: 1 of 2 gate\(s\) failed: 'p95\(ttft\) > 40ms': (5\d|6\d)\.\d ms at c=1/);
    const [runId] = readdirSync(out);
    const gates = JSON.parse(readFileSync(join(out, runId!, "gates.json"), "utf8"));
    expect(gates).toMatchObject({ status: "fail", scope: "checked at every step", gates: [{ gate: "p95(ttft) > 40ms", status: "fail" }, { gate: "error_rate > 1%", status: "pass" }] });
    expect(gates.gates[0].values.map((v: { where: string }) => v.where)).toEqual(["c=1", "c=2"]);
  });

  it("exits 0 when every gate passes, records them in benchmarks.md, and computes a percentile the table lacks", async () => {
    const out = join(temp, "sweep-pass");
    const bench = join(temp, "bench.md");
    const run = await kneepoint([...SWEEP, "--base-url", sim.url, "--out", out, "--record", bench, "--fail-on", "p75(ttft) > 5s", "--fail-on", "median(itl) < 1ms", "--fail-on", "regression(output_throughput) > 90%"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("all passed");
    expect(run.stdout).toMatch(/n\/a {3}regression\(output_throughput\) > 90% +no baseline/);
    const [runId] = readdirSync(out);
    expect(JSON.parse(readFileSync(join(out, runId!, "step-c1.json"), "utf8"))).toHaveProperty("p75_ttft_ms");
    expect(readFileSync(bench, "utf8")).toContain("**Gates:** pass `p75(ttft) > 5s`; pass `median(itl) < 1ms`; not checked `regression(output_throughput) > 90%`.");
    // The second run finds the first as its baseline: a 90 % drop in throughput did not happen.
    const again = await kneepoint([...SWEEP, "--base-url", sim.url, "--out", out, "--record", bench, "--fail-on", "regression(output_throughput) > 90%"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/pass {2}regression\(output_throughput\) > 90% {2}worst -?\d+\.\d\d% at c=\d/);
  });

  it("exits 2 for a bad expression, with the column and the fix, before any request is sent", async () => {
    const before = seen.length;
    const run = await kneepoint([...SWEEP, "--base-url", proxyUrl, "--out", join(temp, "sweep-bad"), "--fail-on", "error_rate > 1%", "--fail-on", "p95(tfft) > 500ms"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("kneepoint: --fail-on 'p95(tfft) > 500ms': unknown metric 'tfft' at column 5; did you mean ttft?");
    expect(run.stderr).toContain(`  hint:   p95(tfft) > 500ms\n${" ".repeat(14)}^ here`); // under the t of tfft
    const unit = await kneepoint([...SWEEP, "--base-url", proxyUrl, "--fail-on", "p95(ttft) > 500"]);
    expect(unit.code).toBe(2);
    expect(unit.stderr).toContain("expected a unit ms|s after 500 at column 16; latencies are times: 500ms or 500s");
    expect(seen.length).toBe(before);
    expect(existsSync(join(temp, "sweep-bad"))).toBe(false);
    // the proxy does count what passes through it
    expect((await fetch(`${proxyUrl}/health`)).status).toBe(200);
    expect(seen.slice(before)).toEqual(["GET /health"]);
  });
});

describe("kneepoint run --fail-on", () => {
  it("exits 4 naming the failed gate on the run's summary; writes kneepoint_gates.json beside inference-perf's files", async () => {
    const out = join(temp, "run-fail");
    const run = await kneepoint(["run", "-c", scenario(sim.url), "--output", out, "--no-charts", "--no-server-metrics", "--fail-on", "p95(ttft) > 40ms", "--fail-on", "output_throughput < 1"]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/^ {2}FAIL {2}p95\(ttft\) > 40ms {7}\d+\.\d ms at summary \(threshold 40ms\)$/m);
    expect(run.stdout).toMatch(/^ {2}pass {2}output_throughput < 1 {2}worst \d+\.\d\d at summary/m);
    expect(run.stderr).toMatch(/1 of 2 gate\(s\) failed: 'p95\(ttft\) > 40ms': (5\d|6\d)\.\d ms at summary/);
    expect(JSON.parse(readFileSync(join(out, "kneepoint_gates.json"), "utf8"))).toMatchObject({ status: "fail", scope: "checked on the run's summary (all stages)" });
    expect(existsSync(join(out, "summary_lifecycle_metrics.json"))).toBe(true);
  });

  it("exits 0 when every gate passes", async () => {
    const run = await kneepoint(["run", "-c", scenario(sim.url), "--output", join(temp, "run-pass"), "--no-charts", "--no-server-metrics", "--fail-on", "p99(e2el) > 10s", "--fail-on", "error_rate > 0"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("all passed");
  });

  it("exits 2 before any request for a bad expression, a percentile the report lacks, or a regression gate", async () => {
    const before = seen.length;
    const config = scenario(proxyUrl);
    const bad = await kneepoint(["run", "-c", config, "--no-charts", "--fail-on", "p95(ttft) >> 1s"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected a number but found '>' at column 12");
    const p97 = await kneepoint(["run", "-c", config, "--no-charts", "--fail-on", "p97(ttft) > 1s"]);
    expect(p97.code).toBe(2);
    expect(p97.stderr).toContain("p97(ttft) is not measured; the results of run hold p0, p0.1, p1, p5, p10, p25, p50, p75, p90, p95, p99, p99.9, p100");
    const regression = await kneepoint(["run", "-c", config, "--no-charts", "--fail-on", "regression(output_throughput) > 10%"]);
    expect(regression.code).toBe(2);
    expect(regression.stderr).toContain("regression() needs a recorded baseline");
    expect(seen.length).toBe(before);
  });
});
