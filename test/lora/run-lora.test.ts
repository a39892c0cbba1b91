/**
 * `kneepoint run` with load.lora_traffic_split against the simulator serving the adapters (--lora-modules): every
 * request names its adapter as `model`, the simulator answers under that name, and the per-adapter files count what
 * the per-request file says was sent to each adapter. An adapter the server does not list stops the run before any
 * request, as 0.7.0's client does.
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
  sim = await startSimulator({ ttftMs: 5, itlMs: 1, modelName: "base", loraModules: [{ name: "sql", path: "/a/sql", base_model_name: null }, { name: "chat", path: "/a/chat", base_model_name: null }] });
});
afterAll(() => sim?.close());

function config(dir: string, split: Array<{ name: string; split: number }>): string {
  const file = join(dir, "lora.yaml");
  writeFileSync(
    file,
    stringify({
      api: { type: "completion", streaming: true },
      data: { type: "mock" },
      load: { type: "constant", interval: 0, base_seed: 11, stages: [{ rate: 30, duration: 1 }, { rate: 20, duration: 1 }], lora_traffic_split: split },
      server: { type: "vllm", base_url: sim.url, ignore_eos: true },
      report: { request_lifecycle: { summary: true, per_stage: true, per_request: true, per_adapter: true, per_adapter_stage: true } },
      storage: { local_storage: { path: join(dir, "reports") } },
    }),
  );
  return file;
}

interface Entry { request: string; info: { lora_adapter: string | null }; error: unknown }
interface Report { load_summary: { count: number }; successes: { count: number } }

describe("kneepoint run with load.lora_traffic_split", () => {
  it("sends each request to its adapter and writes adapter_<a>_… files that count them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-lora-"));
    const run = await runProgram(["-c", config(dir, [{ name: "sql", split: 0.75 }, { name: "chat", split: 0.25 }]), "--no-charts", "--no-server-metrics"]);
    expect(run.code, `${String(run.error)}\n${run.stderr}`).toBe(0);
    const read = <T>(name: string) => JSON.parse(readFileSync(join(dir, "reports", name), "utf8")) as T;
    const entries = read<Entry[]>("per_request_lifecycle_metrics.json");
    const stages = read<Array<{ stage_id: number }>>("kneepoint_per_request.json").map((e) => e.stage_id);
    expect(entries).toHaveLength(50);
    expect(entries.every((e) => e.error === null)).toBe(true);
    for (const e of entries) expect(JSON.parse(e.request).model).toBe(e.info.lora_adapter);
    const count = (adapter: string, stage?: number) => entries.filter((e, i) => e.info.lora_adapter === adapter && (stage === undefined || stages[i] === stage)).length;
    for (const a of ["sql", "chat"]) {
      expect(read<Report>(`adapter_${a}_lifecycle_metrics.json`).load_summary.count).toBe(count(a));
      for (const s of [0, 1]) expect(read<Report>(`adapter_${a}_stage_${s}_lifecycle_metrics.json`).successes.count).toBe(count(a, s));
    }
    expect(count("sql") + count("chat")).toBe(50);
    expect(count("sql")).toBeGreaterThan(count("chat")); // 0.75 vs 0.25 of 50 draws
    // The effective config keeps the split as 0.7.0 dumps it (floats).
    expect(readFileSync(join(dir, "reports", "config.yaml"), "utf8")).toMatch(/lora_traffic_split:\n\s+- name: sql\n\s+split: 0\.75\n\s+- name: chat\n\s+split: 0\.25/);
  });

  it("stops before sending when an adapter is not served, naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-lora-missing-"));
    const run = await runProgram(["-c", config(dir, [{ name: "sql", split: 0.5 }, { name: "typo", split: 0.5 }]), "--no-charts", "--no-server-metrics"]);
    expect(run.code).toBe(2);
    expect(String(run.error)).toMatch(/LoRA adapter "typo" not found in http:\/\/127\.0\.0\.1:\d+\/v1\/models \(it lists: base, sql, chat\)/);
    expect(existsSync(join(dir, "reports"))).toBe(false);
  });
});
