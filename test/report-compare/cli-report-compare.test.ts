/**
 * `kneepoint report --compare` and `kneepoint report DIR` on scenario report directories, as a user runs
 * them: a real process from the repository root, on the fixtures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { H100, KV_STARVED, LEGACY } from "./fixture-runs.ts";
import { runKneepoint, type KneepointRun } from "../run-kneepoint.ts";

const GOLDEN = fileURLToPath(new URL("./goldens/compare-report.md", import.meta.url));


const kneepoint = (args: string[]): Promise<KneepointRun> => runKneepoint(args, { env: { NO_COLOR: "1" } });

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "kp-cli-compare-"));
  temps.push(d);
  return d;
};

describe("kneepoint report --compare (process)", () => {
  it("prints seed 004's tables, writes the golden report.md and the overlaid charts", async () => {
    const out = temp();
    const run = await kneepoint(["report", "--compare", H100, KV_STARVED, LEGACY, "--label", "h100-8b", "--label", "kv-starved", "--label", "legacy", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("Summary across QPS");
    expect(run.stdout).toMatch(/│ kv-starved\s+│\s+8\.023 │\s+289\.0 │\s+4\.515 │\s+88\.75% │\s+9\.952 │/);
    expect(run.stdout).toContain("note: Waiting queue vs time: drawn for h100-8b, kv-starved only (no server_metrics_timeseries.json in legacy)");
    expect(run.stdout).toContain(`report: ${join(out, "report.md")}\nreport: ${join(out, "report.html")}\n`);
    expect(readFileSync(join(out, "report.md"), "utf8")).toBe(readFileSync(GOLDEN, "utf8"));
    expect(readdirSync(out).filter((f) => f.endsWith(".png")).sort()).toEqual([
      "kv-cache-usage-vs-time.png",
      "latency-vs-qps.png",
      "throughput-vs-qps.png",
      "ttft-p90-vs-qps.png",
      "waiting-queue-vs-time.png",
    ]);
  });

  it("renders one scenario directory's tables with `report DIR`", async () => {
    const out = temp();
    const run = await kneepoint(["report", LEGACY, "--no-charts", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("QPS = 10.0");
    expect(run.stdout).toMatch(/│ legacy-v0\.2\s+│\s+5\.008 │\s+990\.0 │\s+4\.950 │\s+99\.00% │/);
    expect(readdirSync(out).sort()).toEqual(["report.html", "report.md"]);
  });

  it("exits 2 with a message naming the directory and what is missing, for a directory that is not a report", async () => {
    const bad = temp();
    const run = await kneepoint(["report", "--compare", H100, bad, "--no-charts", "--out", temp()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`kneepoint: ${bad} is not a scenario report directory: no stage_N_lifecycle_metrics.json (it is empty)`);
    expect(run.stderr).toMatch(/\n  hint: pass the directory a scenario run wrote its reports to/);
    expect(run.stdout).toBe("");
  });

  it("exits 2 on a --label count that does not match the directories, and on an unknown --x", async () => {
    const labels = await kneepoint(["report", "--compare", H100, KV_STARVED, "--label", "only-one", "--no-charts", "--out", temp()]);
    expect(labels.code).toBe(2);
    expect(labels.stderr).toContain("kneepoint: --label was given 1 time for 2 directories");
    const x = await kneepoint(["report", "--compare", H100, "--x", "offered"]);
    expect(x.code).toBe(2);
    expect(x.stderr).toMatch(/--x.*offered.*achieved, requested/s);
  });
});
