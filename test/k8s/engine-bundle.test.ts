/**
 * The native engine as the cluster runs it: the esbuild bundle, gunzipped and run by plain `node` (no tsx, no
 * node_modules next to it), against a simulator process. Its --log-results output goes through the same
 * reader as a vLLM Job's log, and comes out equal to the step files it wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { buildEngineBundle, CONFIGMAP_LIMIT_BYTES } from "../../src/k8s/engine-bundle.ts";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { extractMarkedResults } from "../../src/engine/vllm/extract-marked-results.ts";
import { parseVllmResult } from "../../src/engine/vllm/parse-vllm-result.ts";
import { stepFileName } from "../../src/report/results-writer.ts";
import { readCapacityLog } from "../../src/capacity/capacity-log.ts";

let sim: SimProcess;
let bundlePath: string;
let gzippedBytes: number;
let code: string;
// A directory without node_modules anywhere above it, as in the Job's container.
const dir = mkdtempSync(join(tmpdir(), "kp-bundle-"));

beforeAll(async () => {
  const [bundle, s] = await Promise.all([buildEngineBundle(), startSimProcess(["--ttft-ms", "5", "--itl-ms", "1"])]);
  sim = s;
  gzippedBytes = bundle.gzipped.length;
  bundlePath = join(dir, "kneepoint.mjs");
  code = gunzipSync(bundle.gzipped).toString("utf8");
  writeFileSync(bundlePath, code);
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});

const node = (args: string[]) => spawnSync(process.execPath, [bundlePath, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });

describe("the native engine bundle", () => {
  it("fits a ConfigMap with room to spare", () => {
    expect(gzippedBytes).toBeGreaterThan(10_000);
    expect(gzippedBytes).toBeLessThan(CONFIGMAP_LIMIT_BYTES / 2);
  });

  it("runs `sweep` with plain node, and its logged results read back equal to the step files", () => {
    const out = join(dir, "results");
    const run = node(["sweep", "--base-url", sim.url, "--concurrency", "1,2", "--num-prompts", "4", "--input-len", "16", "--output-len", "4", "--no-charts", "--no-server-metrics", "--log-results", "--out", out]);
    expect(run.status, run.stderr).toBe(0);
    const extracted = extractMarkedResults(run.stdout);
    expect(extracted.errors).toEqual([]);
    expect(extracted.results.map((r) => r.concurrency)).toEqual([1, 2]);
    const [runId] = readdirSync(out);
    for (const r of extracted.results) {
      const written = JSON.parse(readFileSync(join(out, runId!, stepFileName(r.concurrency, "step")), "utf8")) as Record<string, unknown>;
      expect(r.json).toEqual(written);
      const parsed = parseVllmResult(r.json, { concurrency: r.concurrency });
      expect(parsed.result.completed).toBe(4);
      expect(parsed.result.failed).toBe(0);
      expect(parsed.result.median_ttft_ms).toBe(written.median_ttft_ms);
      expect(parsed.result.started_at_ms).toBe(written.started_at_ms);
    }
  });

  it("leaves the charts and the HTML report out: no vega or resvg, and report/charts|html only as the sweep's on-demand imports", () => {
    expect(code).not.toMatch(/vega|resvg/);
    const onDemand = [...code.matchAll(/import\("([^"]*report\/(?:charts|html)\/[^"]*)"\)/g)].map((m) => m[1]);
    expect(code.split(/report\/(?:charts|html)\//).length - 1).toBe(onDemand.length);
    expect(onDemand.every((p) => /\/(sweep-charts|write-chart-files|server-timeline-chart|write-sweep-html)\.ts$/.test(p!))).toBe(true);
  });

  it("runs `capacity` with plain node: each probe and the final document read back from its stdout", () => {
    const out = join(dir, "capacity");
    const search = ["--slo", "p95(e2el)<=60s", "--search", "concurrency", "--start-concurrency", "1", "--max-concurrency", "2", "--min-probe-s", "0.2", "--min-requests", "10"];
    const run = node(["capacity", "--base-url", sim.url, "--input-len", "16", "--output-len", "4", "--no-server-metrics", "--out", out, ...search]);
    expect(run.status, run.stderr).toBe(0);
    const read = readCapacityLog(run.stdout);
    expect(read.errors).toEqual([]);
    expect(read.probes.map((p) => [p.probe.level, p.probe.pass, p.summary.completed >= 10])).toEqual([
      [1, true, true],
      [2, true, true],
    ]);
    expect(read.document).toMatchObject({ status: "complete", results: [{ axis: "concurrency", answer: 2, reason: "max-reached" }] });
  });

  it("answers --help without the commands that stay on the laptop", () => {
    const help = node(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/sweep/);
    expect(help.stdout).toMatch(/capacity/);
    expect(help.stdout).not.toMatch(/\bsim\b/);
  });
});
