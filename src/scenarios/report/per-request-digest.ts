/**
 * What inference-perf 0.7.0's per-request validator (validate-per-request-report.ts) finds in
 * per_request_lifecycle_metrics.json, gathered one entry at a time, so a run that streams that file
 * (per-request-writer.ts) still gets its checks in validation.json without holding the entries: per rule, how
 * many records break it and the indices of the first five. The rules (reportgen/per_request/validation.py):
 *   structure          the entry is not a JSON object (the other rules skip it)
 *   timestamps         end_time < start_time
 *   response_presence  no error but no info.response_metrics
 *   unordered          output token times out of order
 *   outside            first token time before start_time or last after end_time
 *   agreement          client output_tokens and server completion_tokens (both > 0) differ by more than 25 %
 * Pure.
 */
import { isDict, isNumber } from "./validation-findings.ts";

export const PER_REQUEST_RULES = ["structure", "timestamps", "response_presence", "unordered", "outside", "agreement"] as const;
export type PerRequestRule = (typeof PER_REQUEST_RULES)[number];

const SAMPLE_LIMIT = 5;
// Client-side re-tokenization and the server's count may diverge (reasoning tokens): a warning, loosely.
export const TOKEN_AGREEMENT_REL_TOL = 0.25;

type Rec = Record<string, unknown>;

/** `info.response_metrics`, or null. */
function responseMetrics(record: Rec): unknown {
  const info = record.info;
  return isDict(info) ? (info.response_metrics ?? null) : null;
}

function tokenTimes(record: Rec): number[] {
  const rm = responseMetrics(record);
  const times = isDict(rm) ? rm.output_token_times : null;
  return Array.isArray(times) ? times.filter(isNumber) : [];
}

/** The rules one entry breaks. */
export function brokenPerRequestRules(entry: unknown): PerRequestRule[] {
  if (!isDict(entry)) return ["structure"];
  const r = entry as Rec;
  const out: PerRequestRule[] = [];
  const { start_time: start, end_time: end } = r;
  const failed = (r.error ?? null) !== null;
  if (isNumber(start) && isNumber(end) && end < start) out.push("timestamps");
  if (!failed && responseMetrics(r) === null) out.push("response_presence");
  const times = tokenTimes(r);
  if (times.length > 0) {
    if (times.some((t, k) => k > 0 && t < times[k - 1]!)) out.push("unordered");
    if (isNumber(start) && isNumber(end) && (times[0]! < start || times[times.length - 1]! > end)) out.push("outside");
  }
  const rm = responseMetrics(r);
  if (!failed && isDict(rm)) {
    const client = rm.output_tokens;
    const usage = rm.server_usage;
    const server = isDict(usage) ? usage.completion_tokens : null;
    if (isNumber(client) && client > 0 && isNumber(server) && server > 0 && Math.abs(client - server) > TOKEN_AGREEMENT_REL_TOL * Math.max(client, server)) out.push("agreement");
  }
  return out;
}

export interface RuleTally {
  count: number;
  /** Indices of the first records that break the rule (at most five). */
  first: number[];
}

export class PerRequestDigest {
  /** Entries seen. */
  count = 0;
  readonly broken: Record<PerRequestRule, RuleTally> = Object.fromEntries(PER_REQUEST_RULES.map((r) => [r, { count: 0, first: [] }])) as unknown as Record<PerRequestRule, RuleTally>;

  add(entry: unknown): void {
    for (const rule of brokenPerRequestRules(entry)) {
      const t = this.broken[rule];
      t.count++;
      if (t.first.length < SAMPLE_LIMIT) t.first.push(this.count);
    }
    this.count++;
  }

  static of(entries: readonly unknown[]): PerRequestDigest {
    const d = new PerRequestDigest();
    for (const e of entries) d.add(e);
    return d;
  }
}
