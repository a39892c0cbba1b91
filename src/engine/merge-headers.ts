/**
 * Per-request headers over a client's own (otel_trace_replay attribute_to_header_map), as inference-perf 0.7.0's
 * `_update_headers_case_insensitive` merges them: `extra` replaces a header of `base` named alike in another case.
 */
export function withHeaders<T extends Record<string, unknown>>(base: T, extra: Record<string, string> | undefined): T {
  if (!extra) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    for (const existing of Object.keys(out)) if (existing.toLowerCase() === k.toLowerCase()) delete out[existing];
    out[k] = v;
  }
  return out as T;
}
