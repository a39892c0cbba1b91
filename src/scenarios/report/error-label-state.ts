/**
 * `failures.by_label` (error-labels.ts) as mergeable state: per inference-perf label its count, the time it was
 * first seen, and at most `maxErrorMessages` distinct messages with the time each was first seen. Pure.
 *
 * "First seen" is what inference-perf's order means: the records of a report in completion order, so labels with
 * equal counts and the messages kept are the earliest ones. A state folds records in the order given and keys
 * each first sighting by its end time (on the clock common to the states that will be merged); merging takes the
 * entries of the states in a stable merge by that key (merge-by-first-seen.ts), so the summary of a run's stages
 * keeps their order and shards of one stage interleave by time; and
 *  - the messages kept are exact: a message among the first `max` of the merged records is among the first `max`
 *    of the state holding its first occurrence, so no state dropped it, and every message a state kept that is
 *    not among them sorts after all of them.
 */
import { conciseErrorLabel, parseErrorMessage, type ErrorLabelEntry } from "./error-labels.ts";
import type { InferencePerfError } from "./inference-perf-request.ts";
import { mergeByFirstSeen } from "./merge-by-first-seen.ts";

export interface ErrorLabelState {
  label: string;
  count: number;
  firstSeenMs: number;
  /** Distinct messages in first-seen order, at most the state's maxErrorMessages. */
  messages: Array<{ message: string; firstSeenMs: number }>;
}

/** Labels in first-seen order. */
export type ErrorLabelsState = ErrorLabelState[];

export function addErrorLabel(labels: ErrorLabelsState, error: InferencePerfError, seenMs: number, maxErrorMessages: number): void {
  const message = parseErrorMessage(error.error_msg);
  const label = conciseErrorLabel(error.error_type, message);
  let entry = labels.find((l) => l.label === label);
  if (entry === undefined) labels.push((entry = { label, count: 0, firstSeenMs: seenMs, messages: [] }));
  entry.count++;
  if (entry.messages.length < maxErrorMessages && !entry.messages.some((m) => m.message === message)) entry.messages.push({ message, firstSeenMs: seenMs });
}

export function mergeErrorLabels(parts: ReadonlyArray<ErrorLabelsState>, maxErrorMessages: number): ErrorLabelsState {
  const out: ErrorLabelsState = [];
  const byLabel = new Map<string, { entry: ErrorLabelState; messageLists: Array<ErrorLabelState["messages"]> }>();
  for (const l of mergeByFirstSeen(parts)) {
    const seen = byLabel.get(l.label);
    if (seen === undefined) {
      const entry = { label: l.label, count: l.count, firstSeenMs: l.firstSeenMs, messages: [] };
      out.push(entry);
      byLabel.set(l.label, { entry, messageLists: [l.messages] });
    } else {
      seen.entry.count += l.count;
      seen.entry.firstSeenMs = Math.min(seen.entry.firstSeenMs, l.firstSeenMs);
      seen.messageLists.push(l.messages);
    }
  }
  for (const { entry, messageLists } of byLabel.values()) {
    for (const m of mergeByFirstSeen(messageLists)) {
      if (entry.messages.length >= maxErrorMessages) break;
      if (!entry.messages.some((k) => k.message === m.message)) entry.messages.push({ ...m });
    }
  }
  return out;
}

/** inference-perf's `build_error_counts` object: labels by descending count, ties in first-seen order. */
export function buildErrorCountsFromState(labels: ErrorLabelsState): Record<string, ErrorLabelEntry> {
  // Array.prototype.sort is stable: equal counts keep first-seen order, as Python's sorted().
  const sorted = [...labels].sort((a, b) => b.count - a.count);
  const out: Record<string, ErrorLabelEntry> = {};
  for (const l of sorted) out[l.label] = { count: l.count, messages: l.messages.map((m) => ({ message: m.message })) };
  return out;
}

/** inference-perf's `build_error_counts` of a list of errors (in completion order). */
export function buildErrorCounts(errors: readonly InferencePerfError[], maxErrorMessages: number): Record<string, ErrorLabelEntry> {
  const labels: ErrorLabelsState = [];
  errors.forEach((e, i) => addErrorLabel(labels, e, i, maxErrorMessages));
  return buildErrorCountsFromState(labels);
}
