/**
 * writeScenarioReports from states (a run that folded each request into its stage's StageState as it completed
 * and streamed the per-request files) writes the same files, byte for byte, as from the records: the lifecycle
 * files, the per-request files (validated through the digest their writer gathered), the BR partials (but their
 * random ids), config.yaml and validation.json.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { reportStageStateOptions } from "../../src/scenarios/report/build-lifecycle-files.ts";
import { foldContextOf } from "../../src/scenarios/report/build-lifecycle-report.ts";
import { openPerRequestFiles } from "../../src/scenarios/report/per-request-writer.ts";
import type { ScenarioReportOptions } from "../../src/scenarios/report/scenario-report-options.ts";
import { addScenarioRecord, createStageState } from "../../src/scenarios/report/stage-state.ts";
import { writeScenarioReports, type StateStageRun } from "../../src/scenarios/report/write-scenario-reports.ts";
import type { StageRun } from "../../src/scenarios/types.ts";
import { scenarioRecord } from "./scenario-record.ts";

const stage = (index: number, rate: number, t0: number): StageRun => ({
  index,
  plan: { kind: "constant", rate, durationS: 1 },
  status: "completed",
  startMs: t0,
  endMs: t0 + 300,
  startEpochMs: 1_700_000_000_000 + t0,
  endEpochMs: 1_700_000_000_300 + t0,
  unsent: 0,
  records: [
    scenarioRecord({ stage: index, index: 0, scheduledMs: t0, sendMs: t0 + 1, chunkTimesMs: [t0 + 51, t0 + 61, t0 + 71], endMs: t0 + 75, promptTokens: 12, completionTokens: 3 }),
    scenarioRecord({ stage: index, index: 1, scheduledMs: t0 + 100, sendMs: t0 + 100.5, endMs: t0 + 120, error: { reason: "http", status: 429, message: "HTTP 429: slow down" } }),
    scenarioRecord({ stage: index, index: 2, scheduledMs: t0 + 150, sendMs: t0 + 152, chunkTimesMs: [t0 + 170, t0 + 190], endMs: t0 + 199, promptTokens: 7, completionTokens: 2 }),
  ],
});
const STAGES = [stage(0, 5, 0), stage(1, 10, 1000)];
const REPORT: ScenarioReportOptions = {
  summary: true,
  perStage: true,
  perRequest: true,
  percentiles: [50, 90, 99],
  useServerOutputTokens: false,
  maxErrorMessages: 10,
  goodput: { ttft: 0.1 },
  requestBody: (r) => `{"prompt":"${r.index}"}`,
  loraAdapter: (r) => (r.index === 2 ? "b" : "a"),
  perAdapter: true,
  perAdapterStage: true,
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "kp-states-"));
  dirs.push(d);
  return d;
};
const storage = (path: string) => ({ local: { path, reportFilePrefix: null }, s3: null, gcs: null });
const read = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), "utf8").replace(/-[0-9a-f]{8}\n/g, "-<hex>\n")]));

describe("writeScenarioReports from StageStates", () => {
  it("writes what the records path writes", async () => {
    const fromRecords = tempDir();
    await writeScenarioReports({ stages: STAGES, configYaml: "a: 1\n", report: REPORT, storage: storage(fromRecords) });

    // The run side: fold each record as it completes, stream the per-request files, drop the records.
    const fromStates = tempDir();
    const perRequest = await openPerRequestFiles({ dir: fromStates, prefix: null, style: "indented" }, REPORT);
    const options = reportStageStateOptions(REPORT, true);
    const ctx = foldContextOf(REPORT);
    const stages: StateStageRun[] = [];
    for (const { records, ...run } of STAGES) {
      const state = createStageState(options);
      for (const rec of records) {
        addScenarioRecord(state, rec, ctx);
        await perRequest.append(rec);
      }
      stages.push({ ...run, state });
    }
    const streamed = await perRequest.close();
    const written = await writeScenarioReports({ stages, streamedPerRequest: streamed, configYaml: "a: 1\n", report: REPORT, storage: storage(fromStates) });

    const a = read(fromRecords);
    const b = read(fromStates);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    expect(Object.keys(a)).toContain("adapter_b_stage_1_lifecycle_metrics.json");
    expect(Object.keys(a)).toContain("per_request_lifecycle_metrics.json");
    expect(Object.keys(a)).toContain("inference-perf.partial.stage_1.yaml");
    expect(written.files.map((f) => f.slice(fromStates.length + 1)).sort()).toEqual(Object.keys(a));
    for (const name of Object.keys(a)) expect(b[name], name).toBe(a[name]);
  });
});
