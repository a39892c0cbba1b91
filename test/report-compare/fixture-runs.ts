/**
 * The scenario report fixtures (test/fixtures/scenario-reports/, see make-fixtures.ts there), named by their
 * path relative to the repository root, as a user in the repo types them (stable in goldens). vitest runs
 * from the repository root, so the relative paths resolve.
 */
import { readScenarioRuns } from "../../src/report/compare/write-compare-report.ts";
import type { LabelledRun } from "../../src/report/compare/scenario-report.ts";

export const H100 = "test/fixtures/scenario-reports/sim-h100-8b";
export const KV_STARVED = "test/fixtures/scenario-reports/sim-kv-starved";
export const LEGACY = "test/fixtures/scenario-reports/legacy-v0.2";

export function fixtureRuns(dirs: string[], labels: string[] = []): Promise<LabelledRun[]> {
  return readScenarioRuns(dirs, labels);
}
