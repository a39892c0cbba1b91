import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import { serializeReportFile } from "../storage/report-file.ts";
import type { StageRun } from "../types.ts";
import { buildLifecycleFiles, KNEEPOINT_PER_REQUEST_FILE } from "./build-lifecycle-files.ts";

const rec = (sendMs: number) =>
  scenarioRecord({ scheduledMs: sendMs, sendMs, chunkTimesMs: [sendMs + 100], endMs: sendMs + 110, promptTokens: 4, completionTokens: 1, capture: { contentTimesMs: [sendMs + 100], contentTexts: ["x"], contentChunks: ["{}"], usage: { prompt_tokens: 4, completion_tokens: 1 } } });
const stage: StageRun = {
  index: 0, plan: { kind: "constant", rate: 3, durationS: 1 }, status: "completed", startMs: 0, endMs: 1000,
  startEpochMs: 0, endEpochMs: 1000, records: [rec(0), rec(500)], unsent: 0,
};
const OPTS = { summary: true, perStage: true, perRequest: true, percentiles: [50], useServerOutputTokens: false, maxErrorMessages: 10, goodput: null };

describe("buildLifecycleFiles", () => {
  const files = buildLifecycleFiles([stage], OPTS);

  it("inference-perf's three files, then kneepoint's own per-request file under a name no inference-perf glob matches", () => {
    expect(files.map((f) => f.name)).toEqual(["summary_lifecycle_metrics", "stage_0_lifecycle_metrics", "per_request_lifecycle_metrics", KNEEPOINT_PER_REQUEST_FILE]);
    expect(`${KNEEPOINT_PER_REQUEST_FILE}.json`).not.toMatch(/^stage_.*_lifecycle_metrics\.json$|_lifecycle_metrics\.json$/);
  });

  it("writes Python's floats: requested_rate 3.0, cached 0.0, totals as floats; counts stay ints", () => {
    const stageText = serializeReportFile(files[1]!, "indented");
    expect(stageText).toContain('"requested_rate": 3.0,');
    expect(stageText).toContain('"achieved_rate": 4.0'); // 2 sends 0.5 s apart
    expect(stageText).toMatch(/"prompt_tokens": \{\n\s+"total": 8\.0,\n\s+"cached": 0\.0,\n\s+"uncached": 8\.0,/);
    expect(stageText).toContain('"count": 2,');
    expect(stageText).toContain('"token_count_mismatches": 0,');
    expect(stageText).toMatch(/"client_fallback_requests": \{\n\s+"prompt": 0,\n\s+"output": 0\n/);
    expect(stageText).toMatch(/"output_tokens": \{\n\s+"total": 2\.0,/);
    // bucket objects: Python's default separators
    expect(serializeReportFile(files[1]!, "compact")).toContain('"load_summary": {"count": 2, "schedule_delay": {"mean": 0.0,');
  });

  it("no per-request files without per_request", () => {
    expect(buildLifecycleFiles([stage], { ...OPTS, perRequest: false }).map((f) => f.name)).toEqual(["summary_lifecycle_metrics", "stage_0_lifecycle_metrics"]);
  });
});
