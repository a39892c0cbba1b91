/**
 * A sweep step's mergeable state (step-state.ts) as JSON: what a shard writes (state-c<N>.json, and the state blocks of
 * a load pod's log) and `kneepoint merge` reads back. Counts as numbers, samples as SamplesJson, the token timeline
 * and the request intervals as base64 float64s; a bad document names the file and the field.
 */
import type { ErrorReason, RequestError } from "../engine/request-record.ts";
import type { GoodputSlosMs } from "./goodput.ts";
import { TokenTimeline } from "./concurrency.ts";
import { base64ToFloat64, deltaPairs, float64ToBase64 } from "./sample-buffers.ts";
import { Samples } from "./samples.ts";
import { createStepState, type StepState } from "./step-state.ts";

const STEP_STATE_JSON_VERSION = 1;
const SAMPLE_FIELDS = ["ttftMs", "tpotMs", "itlMs", "e2elMs", "scheduleDelayMs", "requestLatencyMs"] as const;
const COUNT_FIELDS = [
  "sent",
  "completed",
  "totalInputTokens",
  "totalOutputTokens",
  "outputTokensCounted",
  "promptTokensPlanned",
  "goodputMet",
] as const;

/** The state as a JSON-safe document (version 1): counts as numbers, samples as SamplesJson, intervals as base64. */
export function stepStateToJson(state: StepState): unknown {
  const events = state.tokenTimeline.events();
  return {
    version: STEP_STATE_JSON_VERSION,
    exactCap: state.exactCap,
    goodput: state.goodput ?? null,
    ...Object.fromEntries(COUNT_FIELDS.map((f) => [f, state[f]])),
    errorsByReason: state.errorsByReason,
    firstErrors: state.firstErrors,
    ...Object.fromEntries(SAMPLE_FIELDS.map((f) => [f, state[f].toJSON()])),
    // Cells (epoch ms) as [first cell, count, cell step, count, …].
    tokenTimeline: {
      exactCap: state.tokenTimeline.exactCap,
      earliestSendMs: Number.isFinite(state.tokenTimeline.earliestSendMs) ? state.tokenTimeline.earliestSendMs : null,
      ...(events !== null ? { events: float64ToBase64(events) } : { cells: deltaPairs(state.tokenTimeline.cells() ?? []) }),
    },
    intervals: { starts: float64ToBase64(state.intervals.starts.toArray()), ends: float64ToBase64(state.intervals.ends.toArray()) },
    windowStartEpochMs: state.windowStartEpochMs,
    windowEndEpochMs: state.windowEndEpochMs,
    clientCpuMs: state.clientCpuMs,
  };
}

/** Reads stepStateToJson's document; a bad one throws an Error naming `where` and the field. */
export function stepStateFromJson(json: unknown, where: string): StepState {
  const fail = (field: string, message: string): never => {
    throw new Error(`${where}: ${field}: ${message} (was this file written by this kneepoint version? re-run the shard)`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, `expected an object, got ${show(v)}`);
  const count = (v: unknown, field: string): number =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : fail(field, `expected an integer ≥ 0, got ${show(v)}`);
  const finite = (v: unknown, field: string): number =>
    typeof v === "number" && Number.isFinite(v) ? v : fail(field, `expected a finite number, got ${show(v)}`);
  const finiteOrNull = (v: unknown, field: string): number | null => (v === null ? null : finite(v, field));
  const floats = (v: unknown, field: string): Float64Array => {
    const out = typeof v === "string" ? base64ToFloat64(v) : null;
    if (out === null) return fail(field, `expected base64 of float64s, got ${show(v)}`);
    for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) fail(`${field}[${i}]`, `not finite: ${out[i]}`);
    return out;
  };

  const doc = obj(json, "stepState");
  if (doc.version !== STEP_STATE_JSON_VERSION) fail("version", `expected ${STEP_STATE_JSON_VERSION}, got ${show(doc.version)}`);
  let goodput: GoodputSlosMs | undefined;
  if (doc.goodput !== null) {
    goodput = {};
    for (const [k, v] of Object.entries(obj(doc.goodput, "goodput"))) {
      if (k !== "ttftMs" && k !== "tpotMs" && k !== "e2elMs") fail(`goodput.${k}`, "unknown SLO (expected ttftMs, tpotMs or e2elMs)");
      else goodput[k] = finite(v, `goodput.${k}`);
    }
  }
  const state = createStepState({ goodput, exactCap: count(doc.exactCap, "exactCap") });
  for (const f of COUNT_FIELDS) state[f] = count(doc[f], f);
  if (state.completed > state.sent) fail("completed", `${state.completed} completed of ${state.sent} sent`);
  const errors = obj(doc.errorsByReason, "errorsByReason");
  for (const [reason, n] of Object.entries(errors)) state.errorsByReason[reason as ErrorReason] = count(n, `errorsByReason.${reason}`);
  const failed = Object.values(state.errorsByReason).reduce((a, b) => a + b, 0);
  if (failed !== state.sent - state.completed) fail("errorsByReason", `counts ${failed} failures, sent − completed is ${state.sent - state.completed}`);
  for (const [reason, raw] of Object.entries(obj(doc.firstErrors, "firstErrors"))) {
    const f = obj(raw, `firstErrors.${reason}`);
    const e = obj(f.error, `firstErrors.${reason}.error`);
    if (typeof e.reason !== "string" || typeof e.message !== "string") fail(`firstErrors.${reason}.error`, "expected reason and message strings");
    state.firstErrors[reason as ErrorReason] = { error: e as unknown as RequestError, sendEpochMs: finite(f.sendEpochMs, `firstErrors.${reason}.sendEpochMs`) };
  }
  for (const f of SAMPLE_FIELDS) state[f] = Samples.fromJSON(doc[f], `${where}: ${f}`);

  const tl = obj(doc.tokenTimeline, "tokenTimeline");
  const earliest = finiteOrNull(tl.earliestSendMs, "tokenTimeline.earliestSendMs") ?? Infinity;
  const tlCap = count(tl.exactCap, "tokenTimeline.exactCap");
  if (tl.events !== undefined) state.tokenTimeline = TokenTimeline.fromParts(tlCap, earliest, floats(tl.events, "tokenTimeline.events"));
  else {
    if (!Array.isArray(tl.cells) || tl.cells.length % 2 !== 0) fail("tokenTimeline.cells", `expected [cell, count, …] pairs, got ${show(tl.cells)}`);
    const raw = tl.cells as unknown[];
    const pairs: [number, number][] = [];
    let key = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const step = raw[i];
      if (typeof step !== "number" || !Number.isSafeInteger(step) || (i > 0 && step <= 0)) {
        fail(`tokenTimeline.cells[${i}]`, `expected ${i > 0 ? "a step ≥ 1" : "an integer"}, got ${show(step)}`);
      }
      key += step as number;
      pairs.push([key, count(raw[i + 1], `tokenTimeline.cells[${i + 1}]`)]);
    }
    state.tokenTimeline = TokenTimeline.fromParts(tlCap, earliest, pairs);
  }

  const iv = obj(doc.intervals, "intervals");
  const starts = floats(iv.starts, "intervals.starts");
  const ends = floats(iv.ends, "intervals.ends");
  if (starts.length !== ends.length) fail("intervals.ends", `${ends.length} ends for ${starts.length} starts`);
  if (starts.length !== state.completed) fail("intervals.starts", `${starts.length} intervals for ${state.completed} completed requests`);
  state.intervals.starts.append(starts);
  state.intervals.ends.append(ends);
  state.windowStartEpochMs = finiteOrNull(doc.windowStartEpochMs, "windowStartEpochMs");
  state.windowEndEpochMs = finiteOrNull(doc.windowEndEpochMs, "windowEndEpochMs");
  state.clientCpuMs = finite(doc.clientCpuMs, "clientCpuMs");
  return state;
}

function show(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
