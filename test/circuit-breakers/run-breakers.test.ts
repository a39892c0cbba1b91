/**
 * `kneepoint run` with circuit breakers against the simulator injecting HTTP 500s (kneepoint sim
 * --fault-error-rate 0.5): the breaker trips in stage 0, which stops early (fewer requests than planned, its report
 * written from what was sent, as 0.7.0 writes a stage its breaker ended), stage 1 is not run, and the terminal and
 * kneepoint_circuit_breakers.json say which breaker, which trigger, when and after how many requests. A breaker whose
 * expressions never match (it watches timeouts; there are none) lets the run complete.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { runProgram } from "../scenarios-run/run-program.ts";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ ttftMs: 5, itlMs: 1, modelName: "base", faultErrorRate: 0.5 });
});
afterAll(() => sim?.close());

function config(dir: string, matches: string): string {
  const file = join(dir, "breakers.yaml");
  writeFileSync(
    file,
    stringify({
      circuit_breakers: [
        { name: "server_errors", metrics: { matches: [matches], rules: ["error.error_type == 'HTTP Error 500'"] }, triggers: [{ type: "consecutive", threshold: 3 }, { type: "rate_over_window", window_sec: 30, threshold: 0.9, min_samples: 20 }] },
      ],
      api: { type: "completion", streaming: true },
      data: { type: "mock" },
      load: { type: "constant", interval: 0, stages: [{ rate: 40, duration: 2 }, { rate: 20, duration: 1 }], circuit_breakers: ["server_errors"] },
      server: { type: "vllm", base_url: sim.url, ignore_eos: true },
      storage: { local_storage: { path: join(dir, "reports") } },
    }),
  );
  return file;
}

interface Report { load_summary: { count: number }; successes: { count: number }; failures: { count: number } }
interface BreakersFile {
  stopped_stage: number | null;
  breakers: Array<{ name: string; tripped: null | { stage: number; trigger: { type: string }; trigger_index: number; seconds_into_stage: number; stage_requests_ended: number; hits: number; stage_requests_unsent: number } }>;
}

describe("kneepoint run with circuit_breakers", () => {
  it("stops the stage when a breaker trips, runs no later stage, and says which breaker, which trigger and when", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-breaker-"));
    const run = await runProgram(["-c", config(dir, "error"), "--no-charts", "--no-server-metrics"]);
    expect(run.code, `${String(run.error)}\n${run.stderr}`).toBe(0);
    const read = <T>(name: string) => JSON.parse(readFileSync(join(dir, "reports", name), "utf8")) as T;
    const stage0 = read<Report>("stage_0_lifecycle_metrics.json");
    expect(stage0.load_summary.count).toBeLessThan(80);
    expect(stage0.failures.count).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(dir, "reports", "stage_1_lifecycle_metrics.json"))).toBe(false);
    expect(read<Report>("summary_lifecycle_metrics.json").load_summary.count).toBe(stage0.load_summary.count);

    const file = read<BreakersFile>("kneepoint_circuit_breakers.json");
    expect(file.stopped_stage).toBe(0);
    const t = file.breakers[0]!.tripped!;
    expect(t).toMatchObject({ stage: 0, trigger: { type: "consecutive" }, trigger_index: 0 });
    expect(t.hits).toBeGreaterThanOrEqual(3);
    expect(t.stage_requests_ended).toBeLessThanOrEqual(stage0.load_summary.count);
    expect(t.stage_requests_unsent).toBe(80 - stage0.load_summary.count);
    expect(t.seconds_into_stage).toBeGreaterThan(0);
    expect(t.seconds_into_stage).toBeLessThan(2);
    expect(run.stdout).toMatch(/warning: stage 0: circuit breaker "server_errors" tripped \d+\.\d\d s into the stage, after \d+ request\(s\) ended \(trigger consecutive \(threshold 3\): 3 consecutive hit\(s\) ≥ threshold 3\)/);
    expect(run.stdout).toMatch(/partial/);
  });

  it("lets the run complete when the breaker never trips", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-breaker-quiet-"));
    const run = await runProgram(["-c", config(dir, "error.error_type == 'TimeoutError'"), "--no-charts", "--no-server-metrics"]);
    expect(run.code, `${String(run.error)}\n${run.stderr}`).toBe(0);
    const read = <T>(name: string) => JSON.parse(readFileSync(join(dir, "reports", name), "utf8")) as T;
    expect(read<Report>("summary_lifecycle_metrics.json").load_summary.count).toBe(100);
    expect(read<BreakersFile>("kneepoint_circuit_breakers.json")).toMatchObject({ stopped_stage: null, breakers: [{ name: "server_errors", tripped: null }] });
    expect(run.stdout).not.toMatch(/circuit breaker/);
  });
});
