/**
 * validation.json in writeScenarioReports: written last, after every other file (the BR partials and kneepoint's
 * own files included), and a validation error — a bug in kneepoint's report builder — comes back among the run's
 * warnings, which `kneepoint run` prints on stderr; the run still succeeds, as 0.7.0's.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ScenarioReportOptions } from "../../src/scenarios/report/scenario-report-options.ts";
import { writeScenarioReports } from "../../src/scenarios/report/write-scenario-reports.ts";
import { lifecycle } from "./hand-made-report-sets.ts";

const REPORT: ScenarioReportOptions = { summary: true, perStage: true, perRequest: false, percentiles: [50, 90, 99], useServerOutputTokens: false, maxErrorMessages: 10, goodput: null };

async function write(extra: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "kp-validation-hook-"));
  const written = await writeScenarioReports({
    stages: [],
    configYaml: "load:\n  stages:\n    - rate: 1.0\n      duration: 1\n",
    report: REPORT,
    extraFiles: [{ name: "summary_lifecycle_metrics", kind: "json", contents: extra }],
    storage: { local: { path: dir, reportFilePrefix: null }, s3: null, gcs: null },
  });
  return { dir, written };
}

describe("validation.json written by writeScenarioReports", () => {
  it("is the last file, covering the files before it", async () => {
    const { dir, written } = await write(lifecycle(2, 0, 1));
    expect(written.files.map((f) => basename(f))).toEqual(["summary_lifecycle_metrics.json", "config.yaml", "validation.json"]);
    const doc = JSON.parse(readFileSync(join(dir, "validation.json"), "utf8")) as { reports: Record<string, unknown> };
    expect(Object.keys(doc.reports)).toEqual(["summary_lifecycle_metrics.json"]);
    expect(written.warnings).toEqual([]);
  });

  it("an error is written into validation.json and returned loudly among the warnings; the write succeeds", async () => {
    const broken = lifecycle(2, 0, 1);
    (broken.successes as { count: number }).count = 1;
    const { dir, written } = await write(broken);
    const doc = JSON.parse(readFileSync(join(dir, "validation.json"), "utf8")) as { reports: Record<string, { errors: { check: string }[] }> };
    expect(doc.reports["summary_lifecycle_metrics.json"]!.errors.map((e) => e.check)).toContain("summary.counts");
    expect(written.warnings.some((w) => w.startsWith("REPORT VALIDATION ERROR [summary.counts] summary_lifecycle_metrics.json: request counts do not reconcile"))).toBe(true);
  });
});
