/**
 * Ctrl-C during `kneepoint run`, in a real process: sending stops, in-flight requests finish, the partial
 * reports (and the server time series up to the stop) are written, the charts are left for `kneepoint report`,
 * and the exit code is 130.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";

const CLI = fileURLToPath(new URL("./run-cli.ts", import.meta.url));
const BASELINE = fileURLToPath(new URL("../../benchmarks/scenarios/baseline.yaml", import.meta.url));

let sim: SimProcess;
beforeAll(async () => {
  sim = await startSimProcess(["--ttft-ms", "5", "--itl-ms", "1"]);
});
afterAll(async () => {
  await sim?.stop();
});

describe("Ctrl-C during kneepoint run", () => {
  it("writes the partial reports and exits 130", async () => {
    const out = mkdtempSync(join(tmpdir(), "kp-run-int-"));
    const args = ["run", "-c", BASELINE, "--output", out, "--set", `server.base_url=${sim.url}`, "--set", "load.stages[0].duration=60", "--set", "load.stages[0].rate=4"];
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      let stdout = "";
      let signalled = false;
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        // Interrupt once the stage has been sending for a moment.
        if (!signalled && stderr.includes("stage 0 constant 4 req/s  starting")) {
          signalled = true;
          setTimeout(() => child.kill("SIGINT"), 2500);
        }
      });
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/stopping: no new requests/);
    expect(result.stderr).toMatch(/run stopped by Ctrl-C/);
    expect(readdirSync(out).sort()).toEqual(["config.yaml", "inference-perf.partial.stage_0.yaml", "kneepoint_run.json", "server_metrics_timeseries.json", "stage_0_lifecycle_metrics.json", "summary_lifecycle_metrics.json", "validation.json"]);
    expect(result.stdout).toContain(`charts: not rendered (the run was stopped); \`kneepoint report ${out}\` renders them from the reports`);
    const stage = JSON.parse(readFileSync(join(out, "stage_0_lifecycle_metrics.json"), "utf8")) as { successes: { count: number } };
    expect(stage.successes.count).toBeGreaterThan(0);
    expect(stage.successes.count).toBeLessThan(240);
  }, 60_000);
});
