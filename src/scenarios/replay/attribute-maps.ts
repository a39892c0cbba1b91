/**
 * `attribute_to_header_map` / `attribute_to_label_map` of `data.otel_trace_replay`, as inference-perf 0.7.0 applies
 * them (otel_trace_replay_datagen.py `load_lazy_data`): for each `span attribute → name` pair, the call's span
 * attribute (the message attributes aside) as Python's `str(value)`, or "default" when the span lacks it (or it is
 * null). Headers are sent with the request (after api.headers, replacing one of the same name in any case); labels
 * go to the request's `info.labels` in per_request_lifecycle_metrics.json (src/engine/merge-headers.ts sends them). Pure.
 */
import { pythonRepr } from "../../engine/mock-client.ts";

export function mappedAttributes(attributes: Record<string, unknown>, map: Record<string, string> | null): Record<string, string> | undefined {
  if (map === null || Object.keys(map).length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const [attr, name] of Object.entries(map)) {
    const v = attributes[attr];
    out[name] = v === undefined || v === null ? "default" : typeof v === "string" ? v : pythonRepr(v);
  }
  return out;
}
