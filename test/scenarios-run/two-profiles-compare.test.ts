/**
 * Seed 004's comparison, from real runs: one multi-stage scenario (fixtures/two-profiles.yaml) run by
 * `kneepoint run` against two simulator processes, profiles h100-8b and kv-starved (--speedup 5), then
 * `kneepoint report --compare A B --label h100-8b --label kv-starved` as a process. Checks: the first run renders
 * its own report.md and charts (the second is run with --no-charts), both runs wrote the server time series, the
 * Summary-across-QPS and Per-QPS tables hold both runs and every stage, kv-starved is the slower and the queueing
 * one at the highest rate (60 QPS is above its capacity of ≈ 42 req/s at this speedup, below h100-8b's ≈ 380),
 * and the five charts exist. The bounds are the profiles' differences (5× and more), not tight timings.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { TIMESERIES_FILE, timeseriesFileSchema, type TimeseriesFile } from "../../src/report/compare/scenario-report-files.ts";
import { SCENARIO_CHARTS } from "../../src/report/charts/scenario-charts.ts";
import { runProgram, type ProgramRun } from "./run-program.ts";
import { runKneepoint } from "../run-kneepoint.ts";

const CONFIG = fileURLToPath(new URL("./fixtures/two-profiles.yaml", import.meta.url));
const CHART_NAMES = Object.values(SCENARIO_CHARTS).map((c) => c.name);
const RATES = ["10.0", "25.0", "60.0"];

let h100: SimProcess;
let kv: SimProcess;
let temp: string;
let runA: ProgramRun;
let runB: ProgramRun;
let compare: { code: number | null; stdout: string; stderr: string };
const dirA = () => join(temp, "h100-8b");
const dirB = () => join(temp, "kv-starved");
const outC = () => join(temp, "compare");

const kneepoint = (args: string[]) => runKneepoint(args, { env: { NO_COLOR: "1" } });

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const readJson = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Json;
const series = (dir: string): TimeseriesFile => timeseriesFileSchema.parse(readJson(dir, TIMESERIES_FILE));

/** The largest waiting count sampled inside stage `stage`'s window. */
function maxWaitingIn(file: TimeseriesFile, stage: number): number {
  const w = file.stages.find((s) => s.stage === stage)!;
  const inside = file.samples.filter((s) => s.t_epoch_s >= w.start_epoch_s && s.t_epoch_s <= w.end_epoch_s);
  return Math.max(...inside.map((s) => s.num_requests_waiting ?? 0));
}

/** The rows, by run label, of the markdown table under `heading` in report.md. */
function tableAfter(markdown: string, heading: string): Map<string, string[]> {
  const lines = markdown.split("\n");
  const at = lines.indexOf(heading);
  expect(at, `${heading} in report.md`).toBeGreaterThanOrEqual(0);
  const first = lines.findIndex((l, i) => i > at && l.startsWith("|"));
  const rows = new Map<string, string[]>();
  // header and |---| rule, then one row per run until the table ends
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    rows.set(cells[0]!, cells);
  }
  return rows;
}

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), "kp-two-profiles-"));
  [h100, kv] = await Promise.all([
    startSimProcess(["--profile", "h100-8b", "--speedup", "5"]),
    startSimProcess(["--profile", "kv-starved", "--speedup", "5"]),
  ]);
  // One after the other: the runs share the machine's two cores with the simulators, not with each other.
  runA = await runProgram(["-c", CONFIG, "--output", dirA(), "--set", `server.base_url=${h100.url}`]);
  runB = await runProgram(["-c", CONFIG, "--output", dirB(), "--set", `server.base_url=${kv.url}`, "--no-charts"]);
  compare = await kneepoint(["report", "--compare", dirA(), dirB(), "--label", "h100-8b", "--label", "kv-starved", "--out", outC()]);
}, 90_000);
afterAll(async () => {
  await Promise.all([h100?.stop(), kv?.stop()]);
  if (temp) rmSync(temp, { recursive: true, force: true });
});

describe("two simulator profiles, one scenario, kneepoint report --compare", () => {
  it("both runs completed every stage and recorded the server time series", () => {
    expect(runA.error, runA.stderr).toBeNull();
    expect(runB.error, runB.stderr).toBeNull();
    for (const dir of [dirA(), dirB()]) {
      for (const i of [0, 1, 2]) expect(readJson(dir, `stage_${i}_lifecycle_metrics.json`).failures.count, `${dir} stage ${i}`).toBe(0);
      const file = series(dir);
      expect(file.stages.map((s) => s.stage)).toEqual([0, 1, 2]);
      expect(file.samples.length).toBeGreaterThan(10); // 4 Hz over ≥ 6 s
    }
    expect(readJson(dirA(), "stage_2_lifecycle_metrics.json").successes.count).toBe(120);
  });

  it("the first run rendered its own report.md and charts and said where; --no-charts rendered none", () => {
    expect(runA.stdout).toContain(`report: ${join(dirA(), "report.md")}`);
    expect(runA.stdout).toContain(`charts: ${CHART_NAMES.map((n) => join(dirA(), `${n}.png`)).join(", ")}`);
    for (const name of CHART_NAMES) {
      expect(statSync(join(dirA(), `${name}.png`)).size, name).toBeGreaterThan(1000);
      expect(existsSync(join(dirA(), `${name}.svg`)), name).toBe(true);
    }
    expect(readFileSync(join(dirA(), "report.md"), "utf8")).toContain("### QPS = 60.0");
    expect(readdirSync(dirB()).filter((f) => f.endsWith(".png") || f === "report.md")).toEqual([]);
  });

  it("report --compare: Summary across QPS and Per-QPS tables with both runs and every stage, models from config.yaml", () => {
    expect(compare.code, compare.stderr).toBe(0);
    expect(compare.stdout).toContain("Summary across QPS");
    for (const rate of RATES) expect(compare.stdout).toContain(`QPS = ${rate}`);
    const md = readFileSync(join(outC(), "report.md"), "utf8");
    expect([...tableAfter(md, "## Summary across QPS").keys()].sort()).toEqual(["h100-8b", "kv-starved"]);
    for (const rate of RATES) expect([...tableAfter(md, `### QPS = ${rate}`).keys()].sort(), `QPS = ${rate}`).toEqual(["h100-8b", "kv-starved"]);
    expect(md).toContain("| h100-8b | `" + dirA() + "` | meta-llama/Llama-3.1-8B-Instruct |");
    expect(md).toContain("| kv-starved | `" + dirB() + "` | meta-llama/Llama-3.1-70B-Instruct |");
  });

  it("kv-starved is the slower and the queueing server at the highest rate", () => {
    const md = readFileSync(join(outC(), "report.md"), "utf8");
    const at60 = tableAfter(md, "### QPS = 60.0");
    // columns: Experiment, Achieved QPS, Output toks/s, Requests/s, Success Rate, TTFT p90 (s), TTFT mean (s), …
    const ttftP90 = (label: string) => Number(at60.get(label)![5]);
    expect(ttftP90("kv-starved")).toBeGreaterThan(5 * ttftP90("h100-8b"));
    const e2e = (dir: string) => readJson(dir, "stage_2_lifecycle_metrics.json").successes.latency.request_latency.median as number;
    expect(e2e(dirB())).toBeGreaterThan(2 * e2e(dirA()));
    // The queue: kv-starved's waiting requests pile up at 60 QPS; h100-8b's stay near zero.
    const kvWaiting = maxWaitingIn(series(dirB()), 2);
    expect(kvWaiting).toBeGreaterThanOrEqual(5);
    expect(kvWaiting).toBeGreaterThan(maxWaitingIn(series(dirA()), 2));
    const queue = tableAfter(md, "### Queue and KV cache summary");
    expect(Number(queue.get("kv-starved")![1]!.split("/")[2])).toBeGreaterThan(Number(queue.get("h100-8b")![1]!.split("/")[2]));
  });

  it("the five overlaid charts exist", () => {
    for (const name of CHART_NAMES) {
      expect(statSync(join(outC(), `${name}.png`)).size, name).toBeGreaterThan(1000);
      expect(readFileSync(join(outC(), `${name}.svg`), "utf8"), name).toContain("kv-starved");
    }
    expect(compare.stdout).not.toContain("note:"); // no chart skipped, no run missing a series
  });
});
