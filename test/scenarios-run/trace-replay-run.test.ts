/**
 * `kneepoint run` of a load.type trace_replay config, in its own process, against the simulator in deterministic
 * mode: every request leaves at its trace row's offset from the stage start (schedule delay median < 10 ms) and
 * asks for the row's lengths, which the server's usage confirms (prompt_tokens = ContextTokens, completion_tokens
 * = GeneratedTokens with ignore_eos). Two stages: each replays the trace from its first row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { runKneepoint } from "../run-kneepoint.ts";

const TRACE = fileURLToPath(new URL("../fixtures/traces/azure-tiny.csv", import.meta.url));
/** test/fixtures/traces/azure-tiny.csv by hand: [offset ms, ContextTokens, GeneratedTokens]. */
const ROWS = [[0, 40, 5], [50, 12, 3], [300.001, 64, 8], [400, 25, 2], [400, 33, 4], [800, 18, 6]] as const;

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ ttftMs: 5, itlMs: 2, modelName: "sim-model" });
});
afterAll(async () => {
  await sim?.close();
});

interface KpEntry { stage_id: number; scheduled_time: number; start_time: number }
interface IpEntry { start_time: number; info: { response_metrics: { server_usage: { prompt_tokens: number; completion_tokens: number } } }; error: unknown }
interface StageReport { load_summary: { count: number; requested_rate: number; achieved_rate: number; schedule_delay: { median: number } }; successes: { count: number } }

describe("kneepoint run with load.type trace_replay", () => {
  it("sends each stage's requests at the trace's offsets with the trace's lengths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-trace-"));
    const config = join(dir, "trace.yaml");
    const trace = { file: TRACE, format: "AzurePublicDataset" };
    writeFileSync(
      config,
      stringify({
        api: { type: "completion", streaming: true },
        data: { type: "random", trace },
        load: { type: "trace_replay", trace, stages: [{ rate: 5, duration: 2 }, { rate: 7, duration: 1 }], interval: 0.2, num_workers: 1, base_seed: 3 },
        server: { type: "vllm", base_url: sim.url, model_name: "sim-model", ignore_eos: true },
        report: { request_lifecycle: { summary: true, per_stage: true, per_request: true } },
      }),
    );
    const out = join(dir, "out");
    const run = await runKneepoint(["run", "-c", config, "--output", out, "--no-charts", "--no-server-metrics"]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout + run.stderr).toContain("trace_replay");

    const kp = JSON.parse(readFileSync(join(out, "kneepoint_per_request.json"), "utf8")) as KpEntry[];
    const ip = JSON.parse(readFileSync(join(out, "per_request_lifecycle_metrics.json"), "utf8")) as IpEntry[];
    expect(kp).toHaveLength(12);
    for (const stage of [0, 1]) {
      const sent = kp
        .map((e, i) => ({ ...e, usage: ip[i]!.info.response_metrics.server_usage, error: ip[i]!.error }))
        .filter((e) => e.stage_id === stage)
        .sort((a, b) => a.scheduled_time - b.scheduled_time || a.usage.prompt_tokens - b.usage.prompt_tokens);
      const origin = sent[0]!.scheduled_time;
      const delaysMs = sent.map((e) => (e.start_time - e.scheduled_time) * 1000).sort((a, b) => a - b);
      console.log(`stage ${stage}: schedule delays ms ${delaysMs.map((d) => d.toFixed(2)).join(", ")}`);
      expect(delaysMs[Math.floor(delaysMs.length / 2)]).toBeLessThan(10);
      sent.forEach((e, k) => {
        const [offsetMs, input, output] = ROWS[k]!;
        expect(e.error).toBeNull();
        expect((e.scheduled_time - origin) * 1000).toBeCloseTo(offsetMs, 3);
        expect(Math.abs((e.start_time - sent[0]!.start_time) * 1000 - offsetMs)).toBeLessThan(25);
        expect([e.usage.prompt_tokens, e.usage.completion_tokens]).toEqual([input, output]);
      });
      const report = JSON.parse(readFileSync(join(out, `stage_${stage}_lifecycle_metrics.json`), "utf8")) as StageReport;
      expect(report.load_summary.count).toBe(6);
      expect(report.successes.count).toBe(6);
      // 0.7.0: requested_rate is the stage's configured rate; achieved_rate = count / (last send − first send).
      expect(report.load_summary.requested_rate).toBe([5, 7][stage]);
      expect(report.load_summary.achieved_rate).toBeCloseTo(6 / 0.8, 0);
    }
  }, 60_000);
});
