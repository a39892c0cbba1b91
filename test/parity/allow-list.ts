/**
 * Differences between inference-perf's reports and kneepoint's that are deliberate and documented, each with its
 * name and where it is documented. A difference on this list is still printed (as allowed), never hidden; one not
 * on it fails the parity test. An entry belongs here only when the project decided on the difference in writing
 * (DESIGN.md, README.md, research/); "kneepoint does not do it yet" is not a reason.
 *
 * Kneepoint's own files (report.md, its charts, server_metrics_timeseries.json: README "Scenarios") need no entry:
 * their names are outside inference-perf's globs (report-file-set.ts), which is the rule for extra files.
 */
import type { ShapeDifference } from "./shape-diff.ts";

export interface AllowListEntry {
  name: string;
  /** Where the difference is decided and explained. */
  documentedIn: string;
  matches(document: string, difference: ShapeDifference): boolean;
}

/** Empty on 2026-12-03: no difference found by the parity test is a documented decision yet. */
export const ALLOW_LIST: AllowListEntry[] = [];

export function allowedBy(document: string, difference: ShapeDifference, list: readonly AllowListEntry[] = ALLOW_LIST): AllowListEntry | undefined {
  return list.find((entry) => entry.matches(document, difference));
}
