/**
 * `kneepoint run` against `kneepoint sim --replicas 2` (the real simulator router, in process): the router's
 * /metrics 404 names the replicas, each replica's vLLM /metrics is scraped, and the run directory gets the per-pod
 * samples, seed 004's "EPP Queue and KV Cache Metrics Summary" (terminal and report.md), the per-pod charts, and
 * the same summary from readPodMetricsSummary(dir), the function the four-router comparison calls.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenarioCommand } from "../../cli/run-scenario.ts";
import { POD_CHARTS } from "../../report/charts/scenario-charts.ts";
import { TIMESERIES_FILE, timeseriesFileSchema } from "../../report/compare/scenario-report-files.ts";
import { readPodMetricsSummary } from "../../report/pod-metrics/read-pod-metrics.ts";
import { startSimulator, type RunningSimulator } from "../../sim/server.ts";

let sim: RunningSimulator;
let work: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, replicas: 2, router: "random", speedup: 20 });
  work = mkdtempSync(join(tmpdir(), "kp-multi-replica-"));
});
afterAll(async () => {
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

function capture() {
  let text = "";
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text };
}

describe("a run against a router with two replicas", () => {
  it("per-pod series in server_metrics_timeseries.json, seed 004's table in the terminal and report.md, per-pod charts", async () => {
    const config = join(work, "config.yaml");
    writeFileSync(
      config,
      [
        "api: { type: completion, streaming: true }",
        "data: { type: shared_prefix, shared_prefix: { num_groups: 2, num_prompts_per_group: 4, system_prompt_len: 64, question_len: 16, output_len: 16 } }",
        "load: { type: constant, stages: [{ rate: 8, duration: 2 }] }",
        `server: { type: vllm, base_url: "${sim.url}", ignore_eos: true }`,
        "report: { request_lifecycle: { summary: true, per_stage: true } }",
      ].join("\n"),
    );
    const out = join(work, "reports");
    const stdout = capture();
    const stderr = capture();
    const result = await runScenarioCommand(
      { config, sets: [], dryRun: false, output: out, serverMetrics: true, charts: true },
      { stdout: stdout.stream, stderr: stderr.stream, isTty: false, color: false, env: {} },
    );
    expect(result.stages.length, stderr.text()).toBe(1);
    const file = timeseriesFileSchema.parse(JSON.parse(readFileSync(join(out, TIMESERIES_FILE), "utf8")));
    const pods = sim.replicaUrls!.map((u) => new URL(u).host).sort();
    expect(file.pods!.map((p) => p.pod).sort()).toEqual(pods);
    // Every tick scraped both replicas: the aggregate's waiting is the sum of the pods' at the same time.
    const [a, b] = file.pods!;
    const bAt = new Map(b!.samples.map((s) => [s.t_epoch_s, s]));
    const joint = a!.samples.filter((s) => bAt.has(s.t_epoch_s));
    expect(joint.length).toBeGreaterThan(4);
    for (const s of joint) {
      const agg = file.samples.find((x) => x.t_epoch_s === s.t_epoch_s)!;
      expect(agg.num_requests_waiting).toBe(s.num_requests_waiting! + bAt.get(s.t_epoch_s)!.num_requests_waiting!);
      expect(agg.kv_cache_usage_perc).toBe(Math.max(s.kv_cache_usage_perc!, bAt.get(s.t_epoch_s)!.kv_cache_usage_perc!));
    }
    const summary = (await readPodMetricsSummary(out))!;
    expect(summary.pods).toBe(2);
    expect(summary.dataPoints).toBe(a!.samples.length + b!.samples.length);
    expect(stdout.text()).toMatch(/EPP Queue and KV Cache Metrics Summary/);
    expect(stdout.text()).toMatch(new RegExp(`^│ this run +│ +[\\d.]+/\\d+/\\d+ │ +[\\d.]+/[\\d.]+/[\\d.]+ │ +2 │ +${summary.dataPoints} │$`, "m"));
    expect(stdout.text()).toMatch(new RegExp(`│ ${pods[0]!.replace(/\./g, "\\.")} +│`));
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toContain("### EPP Queue and KV Cache Metrics Summary");
    expect(md).toMatch(/^\| Experiment \| Wait Queue \(mean\/p90\/max\) \| KV Cache % \(mean\/p90\/max\) \| Pods \| Data Points \|$/m);
    expect(md).toMatch(new RegExp(`\\| ${summary.dataPoints} \\|$`, "m"));
    for (const c of Object.values(POD_CHARTS)) expect(existsSync(join(out, `${c.name}.png`)), c.name).toBe(true);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("EPP Queue and KV Cache Metrics Summary");
  }, 60_000);
});
