/**
 * The end of `kneepoint run`: renderRunCharts on report directories — a run's files (the fixture of a simulated
 * h100-8b run, copied) get report.md and the five charts beside them; a prefixed or stage-less directory gets
 * the reason instead of an error.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderRunCharts } from "../../src/cli/run-scenario-charts.ts";
import { SCENARIO_CHARTS } from "../../src/report/charts/scenario-charts.ts";
import { H100 } from "../report-compare/fixture-runs.ts";

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "kp-run-charts-"));
  temps.push(d);
  return d;
};

describe("renderRunCharts", () => {
  it("writes report.md and the five charts into the run's directory and lists the PNGs", async () => {
    const dir = temp();
    cpSync(H100, dir, { recursive: true });
    const out = await renderRunCharts({ dir, reportFilePrefix: null, color: false });
    expect(out.rendered).toBe(true);
    if (!out.rendered) return;
    expect(out.markdownPath).toBe(join(dir, "report.md"));
    expect(out.pngPaths).toEqual(Object.values(SCENARIO_CHARTS).map((c) => join(dir, `${c.name}.png`)));
    for (const p of [out.markdownPath, ...out.pngPaths]) expect(existsSync(p), p).toBe(true);
    expect(out.notes).toEqual([]);
  });

  it("a report_file_prefix: not rendered, and says why (the reader reads unprefixed names)", async () => {
    const out = await renderRunCharts({ dir: temp(), reportFilePrefix: "run1-", color: false });
    expect(out).toEqual({ rendered: false, reason: "storage.local_storage.report_file_prefix (run1-) is set, and the report reader reads unprefixed file names" });
  });

  it("no stage files (report.request_lifecycle.per_stage: false): not rendered, and names the key", async () => {
    const dir = temp();
    writeFileSync(join(dir, "summary_lifecycle_metrics.json"), "{}");
    const out = await renderRunCharts({ dir, reportFilePrefix: null, color: false });
    expect(out.rendered).toBe(false);
    expect(!out.rendered && out.reason).toContain("report.request_lifecycle.per_stage: true");
    expect(existsSync(join(dir, "report.md"))).toBe(false);
  });
});
