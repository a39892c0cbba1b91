/**
 * How many requests a report counts, and how many succeeded and failed: from a lifecycle file
 * (`load_summary.count`, `successes.count`, `failures.count`) and from a per-request file (entries, and entries
 * whose `error` is set). Two tools that sent the same requests to the same deterministic server must agree.
 */
import { at, numberOf, type RawJson } from "./raw-json.ts";

export interface RequestCounts {
  requests: number | null;
  successes: number | null;
  failures: number | null;
}

export function lifecycleCounts(report: RawJson): RequestCounts {
  const count = (...keys: string[]) => numberOf(at(report, ...keys)) ?? null;
  return { requests: count("load_summary", "count"), successes: count("successes", "count"), failures: count("failures", "count") };
}

/** A per-request entry failed when its `error` is present and not null (inference-perf writes `error: null` on success). */
export function isFailedEntry(entry: RawJson): boolean {
  const error = at(entry, "error");
  return error !== undefined && error.kind !== "null";
}

export function perRequestCounts(file: RawJson): RequestCounts {
  if (file.kind !== "array") return { requests: null, successes: null, failures: null };
  const failures = file.items.filter(isFailedEntry).length;
  return { requests: file.items.length, successes: file.items.length - failures, failures };
}

export interface CountDifference {
  field: keyof RequestCounts;
  ip: number | null;
  kp: number | null;
}

export function countDifferences(ip: RequestCounts, kp: RequestCounts): CountDifference[] {
  return (["requests", "successes", "failures"] as const).filter((f) => ip[f] !== kp[f]).map((field) => ({ field, ip: ip[field], kp: kp[field] }));
}

/**
 * Per successful request, how many output tokens and how many token times the per-request file records, as a
 * sorted histogram ("16×48" = 48 requests with 16). The server is deterministic (fixed max_tokens, ignore_eos), so
 * both tools must see the same numbers; a token time more per request means a chunk counted that the other tool
 * does not count (e.g. chat's role-only first chunk). "absent" when the key is not written.
 */
export function tokenHistograms(file: RawJson): { outputTokens: string; tokenTimes: string } {
  const successes = file.kind === "array" ? file.items.filter((e) => !isFailedEntry(e)) : [];
  const histogram = (values: string[]) => {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })).map(([v, n]) => `${v}×${n}`).join(" ");
  };
  const metrics = (e: RawJson) => at(e, "info", "response_metrics") ?? at(e, "info");
  return {
    outputTokens: histogram(successes.map((e) => String(numberOf(at(metrics(e), "output_tokens")) ?? "absent"))),
    tokenTimes: histogram(
      successes.map((e) => {
        const times = at(metrics(e), "output_token_times");
        return times?.kind === "array" ? String(times.items.length) : "absent";
      }),
    ),
  };
}
