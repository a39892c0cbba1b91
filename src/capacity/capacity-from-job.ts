/**
 * capacity.json of an in-cluster run, assembled by the runner from what the Job logged (capacity-log.ts): the
 * last document the Job printed (its target, run context, SLOs and, when the search ended, each axis's outcome),
 * every probe that came back, and the server-metric peaks the runner read per probe. When the Job stopped before
 * its final document (Ctrl-C, a crash, a timeout), each axis is the bracket of its probes so far and the run
 * is partial, as a local run interrupted at the same probe. Pure.
 */
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { CapacityDocument } from "./capacity-document.ts";
import type { Axis } from "./capacity-plan.ts";
import { buildAxisResult, type CapacityProbe } from "./capacity-result.ts";
import { interruptedOutcome } from "./capacity-search.ts";

export interface JobDocumentInput {
  /** The last document the Job logged. */
  logged: CapacityDocument;
  /** Every probe read from the log (a probe's own block, or the document's copy). */
  probes: readonly CapacityProbe[];
  /** The plan's axes, in search order. */
  axes: readonly Axis[];
  runId: string;
  /** The Job succeeded. */
  jobSucceeded: boolean;
  endedAt: string;
  peaks: ReadonlyMap<number, StepPeaks> | null;
  /** How server metrics were read (or why not). */
  serverMetrics: string;
  /** The runner's own warnings, after the Job's. */
  warnings: readonly string[];
}

export function assembleJobDocument(o: JobDocumentInput): CapacityDocument {
  const byIndex = new Map<number, CapacityProbe>();
  for (const p of [...o.logged.probes, ...o.probes]) byIndex.set(p.index, p);
  const probes = [...byIndex.values()].sort((a, b) => a.index - b.index);
  // The document is the search's last word only if no probe came after it.
  const current = o.logged.probes.length === probes.length;
  const results = o.axes.flatMap((axis) => {
    const ended = current ? o.logged.results.find((r) => r.axis === axis) : undefined;
    if (!ended && !probes.some((p) => p.axis === axis)) return [];
    const { answer, firstFail, reason, nonMonotone } = ended ? { answer: ended.answer, firstFail: ended.interval[1], reason: ended.reason, nonMonotone: ended.nonMonotone } : interruptedOutcome(probes, axis);
    return [buildAxisResult({ axis, probes, answer, firstFail, reason, nonMonotone, peaks: o.peaks, metricsNote: o.peaks ? null : o.serverMetrics })];
  });
  const complete = o.jobSucceeded && current && o.logged.status === "complete";
  return {
    ...o.logged,
    runId: o.runId,
    status: complete ? "complete" : "partial",
    endedAt: o.endedAt,
    results,
    probes,
    serverMetrics: o.serverMetrics,
    serverPeaks: o.peaks ? Object.fromEntries(o.peaks) : {},
    warnings: [...o.logged.warnings, ...o.warnings],
  };
}
