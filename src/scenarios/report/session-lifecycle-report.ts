/**
 * inference-perf 0.7.0's session reports (reportgen/base.py `_enrich_sessions`, `_compute_tfut`, `summarize_sessions`,
 * `generate_session_reports`; research/inference-perf.md §2.1), from what a session replay measured:
 *   summary_session_lifecycle_metrics.json — every session;
 *   stage_N_session_lifecycle_metrics.json — a stage's sessions, `stage_metadata` first;
 *   per_session_lifecycle_metrics.json     — one entry per session (report.session_lifecycle.per_session).
 * Definitions (0.7.0): a session succeeds when all its calls completed and it recorded no error; its tokens are the
 * sums over its requests (input: the server's usage.prompt_tokens, else the client's count; output likewise; 0 for a
 * failed request); cached tokens and their denominator come from usage.prompt_tokens_details.cached_tokens and
 * usage.prompt_tokens of the same requests; TFUT = the first content chunk of its earliest user-facing call − the
 * session's dispatch; sessions_per_second = sessions / (latest end − earliest start). Pure.
 */
import type { SessionOutcome, SessionRequest, SessionStageInfo } from "../replay/session-outcome.ts";
import type { ReportFile } from "../storage/report-file.ts";
import { parseErrorMessage } from "./error-labels.ts";
import type { NumberTypeOf } from "./python-json.ts";
import { summarizeDistribution } from "./summarize-distribution.ts";

export interface SessionReportOptions {
  /**
   * 0.7.0 re-derives streamed token times from the chunks' `choices` (correct_streamed_response_metrics) when a
   * tokenizer is configured and a summary or stage report is built: an Anthropic stream has none, so its requests
   * keep no token times and their sessions get no TFUT ("no_output_tokens").
   */
  anthropicTokenTimesDropped: boolean;
  summary: boolean;
  perStage: boolean;
  perSession: boolean;
  percentiles: readonly number[];
  maxErrorMessages: number;
}

/** One per_session_lifecycle_metrics.json entry, keys in 0.7.0's order. */
export interface SessionEntry {
  session_id: string;
  stage_id: number;
  file_path: string;
  start_time: number;
  end_time: number;
  duration_sec: number;
  num_events: number;
  num_events_completed: number;
  num_events_cancelled: number;
  n_recorded_substitutions: null;
  recorded_substitution_event_ids: null;
  success: boolean;
  error: { error_type: string; error_msg: string } | null;
  total_input_tokens: number;
  total_output_tokens: number;
  total_cached_tokens: number | null;
  total_cacheable_input_tokens: number | null;
  user_facing_event_ids: string[];
  num_structured_output_excluded: number;
  tfut_sec: number | null;
  tfut_none_reason: string | null;
}

function cachedPromptTokens(usage: Record<string, unknown> | null): [number, number] | null {
  const details = usage?.prompt_tokens_details as Record<string, unknown> | null | undefined;
  if (!details || details.cached_tokens === undefined || details.cached_tokens === null) return null;
  const cached = Math.trunc(Number(details.cached_tokens));
  const prompt = Math.trunc(Number(usage!.prompt_tokens ?? 0));
  if (!(prompt > 0)) return null;
  return [Math.min(Math.max(cached, 0), prompt), prompt];
}

function tfutOf(s: SessionOutcome, byEvent: Map<string, SessionRequest>, anthropicDropped: boolean): { tfut: number | null; reason: string | null } {
  if (s.userFacingEventIds.length === 0) return { tfut: null, reason: "no_user_facing" };
  const candidates: number[] = [];
  let nonStreaming = false;
  let noTokens = false;
  for (const id of s.userFacingEventIds) {
    const r = byEvent.get(id);
    if (!r) continue;
    if (!r.streamed) nonStreaming = true;
    else if (r.firstTokenMs === null || (r.anthropic && anthropicDropped)) noTokens = true;
    else candidates.push((r.firstTokenMs - s.dispatchMs) / 1000);
  }
  if (candidates.length) return { tfut: Math.min(...candidates), reason: null };
  return { tfut: null, reason: nonStreaming ? "non_streaming" : noTokens ? "no_output_tokens" : "no_user_facing" };
}

export function buildSessionEntries(sessions: readonly SessionOutcome[], requests: readonly SessionRequest[], anthropicTokenTimesDropped = false): SessionEntry[] {
  const bySession = new Map<string, SessionRequest[]>();
  for (const r of requests) bySession.set(r.sessionId, [...(bySession.get(r.sessionId) ?? []), r]);
  return sessions.map((s) => {
    const reqs = bySession.get(s.sessionId) ?? [];
    const firstError = reqs.find((r) => r.error !== null)?.error ?? null;
    const error = s.failure ? { error_type: s.failure.cause, error_msg: s.failure.reason } : firstError ? { error_type: firstError.errorType, error_msg: firstError.errorMsg } : null;
    let cache: [number, number] | null = null;
    for (const r of reqs) {
      const c = r.failed ? null : cachedPromptTokens(r.usage);
      if (c) cache = [(cache?.[0] ?? 0) + c[0], (cache?.[1] ?? 0) + c[1]];
    }
    const { tfut, reason } = tfutOf(s, new Map(reqs.map((r) => [r.eventId, r])), anthropicTokenTimesDropped);
    return {
      session_id: s.sessionId,
      stage_id: s.stage,
      file_path: s.filePath,
      start_time: s.startEpochS,
      end_time: s.endEpochS,
      duration_sec: s.endEpochS - s.startEpochS,
      num_events: s.numEvents,
      num_events_completed: s.numEventsCompleted,
      num_events_cancelled: s.numEventsCancelled,
      n_recorded_substitutions: null,
      recorded_substitution_event_ids: null,
      success: s.numEventsCompleted === s.numEvents && error === null,
      error,
      total_input_tokens: reqs.reduce((n, r) => n + r.inputTokens, 0),
      total_output_tokens: reqs.reduce((n, r) => n + r.outputTokens, 0),
      total_cached_tokens: cache?.[0] ?? null,
      total_cacheable_input_tokens: cache?.[1] ?? null,
      user_facing_event_ids: s.userFacingEventIds,
      num_structured_output_excluded: s.numStructuredOutputExcluded,
      tfut_sec: tfut,
      tfut_none_reason: reason,
    };
  });
}

/** 0.7.0 build_error_counts with use_error_type_as_label: {label: {count, messages: [{message, session_ids}]}}. */
function failuresByLabel(failed: readonly SessionEntry[], maxMessages: number): Record<string, unknown> {
  const counts = new Map<string, number>();
  const messages = new Map<string, Map<string, string[]>>();
  for (const s of failed) {
    const label = s.error?.error_type ?? "unreported";
    const msg = parseErrorMessage(s.error?.error_msg ?? "session failed with no error recorded");
    counts.set(label, (counts.get(label) ?? 0) + 1);
    const merged = messages.get(label) ?? new Map<string, string[]>();
    messages.set(label, merged);
    if (merged.has(msg)) merged.get(msg)!.push(s.session_id);
    else if (merged.size < maxMessages) merged.set(msg, [s.session_id]);
  }
  const labels = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
  return Object.fromEntries(labels.map((l) => [l, { count: counts.get(l)!, messages: [...messages.get(l)!].map(([message, ids]) => ({ message, session_ids: ids })) }]));
}

export function summarizeSessions(entries: readonly SessionEntry[], percentiles: readonly number[], maxMessages: number): Record<string, unknown> {
  const dist = (xs: number[]) => summarizeDistribution(xs, percentiles);
  const failed = entries.filter((s) => !s.success);
  const span = entries.length ? Math.max(...entries.map((s) => s.end_time)) - Math.min(...entries.map((s) => s.start_time)) : 0;
  const withCache = entries.filter((s) => s.total_cached_tokens !== null && s.total_cacheable_input_tokens);
  const cachedTotal = entries.reduce((n, s) => n + (s.total_cached_tokens ?? 0), 0);
  const promptTotal = entries.reduce((n, s) => n + (s.total_cacheable_input_tokens ?? 0), 0);
  const tfuts = entries.flatMap((s) => (s.tfut_sec !== null ? [s.tfut_sec] : []));
  const reasons: Record<string, number> = {};
  for (const s of entries) if (s.tfut_none_reason) reasons[s.tfut_none_reason] = (reasons[s.tfut_none_reason] ?? 0) + 1;
  return {
    num_sessions: entries.length,
    num_sessions_succeeded: entries.length - failed.length,
    num_sessions_failed: failed.length,
    failures: { count: failed.length, by_label: failuresByLabel(failed, maxMessages) },
    total_events: entries.reduce((n, s) => n + s.num_events, 0),
    total_events_completed: entries.reduce((n, s) => n + s.num_events_completed, 0),
    total_events_cancelled: entries.reduce((n, s) => n + s.num_events_cancelled, 0),
    sessions_with_recorded_substitution: 0,
    total_recorded_substitutions: { count: 0, messages: [] },
    sessions_per_second: span > 0 ? entries.length / span : 0,
    session_duration_sec: dist(entries.map((s) => s.duration_sec)),
    num_events: dist(entries.map((s) => s.num_events)),
    num_events_cancelled: dist(entries.map((s) => s.num_events_cancelled)),
    total_input_tokens: dist(entries.map((s) => s.total_input_tokens)),
    total_output_tokens: dist(entries.map((s) => s.total_output_tokens)),
    total_cached_tokens: dist(entries.flatMap((s) => (s.total_cached_tokens !== null ? [s.total_cached_tokens] : []))),
    total_cacheable_input_tokens: dist(entries.flatMap((s) => (s.total_cacheable_input_tokens !== null ? [s.total_cacheable_input_tokens] : []))),
    sessions_with_cache_info: withCache.length,
    kv_cache_hit_percent: promptTotal ? (100 * cachedTotal) / promptTotal : null,
    kv_cache_hit_per_session_percent: dist(withCache.map((s) => (100 * s.total_cached_tokens!) / s.total_cacheable_input_tokens!)),
    tfut_sec: dist(tfuts),
    sessions_with_tfut: tfuts.length,
    tfut_none_reasons: Object.keys(reasons).length ? reasons : null,
    num_user_facing_events: dist(entries.map((s) => s.user_facing_event_ids.length)),
    num_structured_output_excluded: dist(entries.map((s) => s.num_structured_output_excluded)),
  };
}

const INT_KEYS = new Set([
  "num_sessions", "num_sessions_succeeded", "num_sessions_failed", "count", "total_events", "total_events_completed", "total_events_cancelled",
  "sessions_with_recorded_substitution", "sessions_with_cache_info", "sessions_with_tfut", "stage_id", "dropped_requests", "concurrent_sessions",
  "num_events", "num_events_completed", "num_events_cancelled", "total_input_tokens", "total_output_tokens", "total_cached_tokens",
  "total_cacheable_input_tokens", "num_structured_output_excluded",
]);

/** Python's types: counts are ints, every distribution value, time and rate a float. */
export const sessionNumberType: NumberTypeOf = (path) => {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return (typeof last === "string" && INT_KEYS.has(last)) || parent === "tfut_none_reasons" ? "int" : "float";
};

function stageMetadata(info: SessionStageInfo): Record<string, unknown> {
  const actual = info.endEpochS - info.startEpochS;
  const status = info.status === "COMPLETED" ? "COMPLETED" : info.timeoutS !== null && actual >= info.timeoutS ? "TIMED_OUT" : "FAILED";
  return {
    stage_id: info.stage,
    status,
    timeout_configured: info.timeoutS,
    actual_duration: actual,
    teardown_duration: info.teardownS,
    dropped_requests: info.droppedRequests,
    concurrent_sessions: info.concurrentSessions,
    session_rate: info.sessionRate !== null && info.sessionRate > 0 ? info.sessionRate : null,
  };
}

export function buildSessionLifecycleFiles(sessions: readonly SessionOutcome[], requests: readonly SessionRequest[], stages: readonly SessionStageInfo[], opts: SessionReportOptions): ReportFile[] {
  if (sessions.length === 0) return [];
  const entries = buildSessionEntries(sessions, requests, opts.anthropicTokenTimesDropped);
  const file = (name: string, contents: unknown): ReportFile => ({ name, kind: "json", contents, numberType: sessionNumberType });
  const files: ReportFile[] = [];
  if (opts.summary) files.push(file("summary_session_lifecycle_metrics", summarizeSessions(entries, opts.percentiles, opts.maxErrorMessages)));
  if (opts.perStage) {
    const stageIds = [...new Set(entries.map((e) => e.stage_id))];
    for (const id of stageIds) {
      const summary = summarizeSessions(entries.filter((e) => e.stage_id === id), opts.percentiles, opts.maxErrorMessages);
      const info = stages.find((s) => s.stage === id);
      files.push(file(`stage_${id}_session_lifecycle_metrics`, info ? { stage_metadata: stageMetadata(info), ...summary } : summary));
    }
  }
  if (opts.perSession) files.push(file("per_session_lifecycle_metrics", entries));
  return files;
}
