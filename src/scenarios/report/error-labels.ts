/**
 * `failures.by_label` as inference-perf builds it (kubernetes-sigs/inference-perf inference_perf/reportgen/base.py
 * `make_concise_label`, `parse_error_message`, `build_error_counts`):
 *   { "<label>": { count, messages: [{ message }] } }, labels sorted by descending count (ties: first seen first),
 *   identical messages merged, at most `max_error_messages` distinct messages kept per label (count stays exact).
 * Labels: an HTTP error is "<code> - <label>" with the label from the status (429, 500, 502, 503, 504), else from
 * the message (context window, invalid JSON, timeout, model not found), else "other"; any other error is
 * "Timeout" or "Connection Error" when its message says so, else its type in lower case.
 *
 * The (error_type, error_msg) of a record are inference-perf's (inference-perf-request.ts `inferencePerfError`):
 * an HTTP error is `HTTP Error <status>` with the whole response body as message, so a JSON body's
 * `error.message` is found; other failures carry the Python exception's name (`TimeoutError`,
 * `ClientConnectorError`, `ClientPayloadError`, …).
 * The counting itself is mergeable state: error-label-state.ts (`buildErrorCounts` there).
 */
import type { ScenarioRecord } from "../types.ts";
import { inferencePerfError } from "./inference-perf-request.ts";

export interface ErrorLabelEntry {
  count: number;
  messages: Array<{ message: string }>;
}

const HTTP_CODE_LABELS: Readonly<Record<string, string>> = {
  "429": "Rate Limit",
  "500": "Internal Server Error",
  "502": "Bad Gateway",
  "503": "Service Unavailable",
  "504": "Gateway Timeout",
};

const HTTP_MESSAGE_LABELS: ReadonlyArray<[RegExp, string]> = [
  [/context.window|context length|maximum context|max.?tokens|token.?limit/i, "Context Window"],
  [/invalid.?json|json.?parse|malformed.?json|unexpected.?token|expecting value|unterminated string|expecting ',' delimiter/i, "Invalid JSON"],
  [/timeout|timed.?out/i, "Timeout"],
  [/model.?not.?found|no such model/i, "Model Not Found"],
];

const OTHER_MESSAGE_LABELS: ReadonlyArray<[RegExp, string]> = [
  [/timeout|timed.?out/i, "Timeout"],
  [/connection.?refused|connect/i, "Connection Error"],
];

/** `{"error": {"message": …}}` (or `{"message": …}`) → the message; anything else unchanged. */
export function parseErrorMessage(raw: string): string {
  try {
    const body: unknown = JSON.parse(raw);
    if (body !== null && typeof body === "object" && !Array.isArray(body)) {
      const obj = body as Record<string, unknown>;
      const error = pyTruthy(obj.error) ? obj.error : obj; // Python: body.get("error") or body
      if (error !== null && typeof error === "object" && !Array.isArray(error) && "message" in error) {
        return pyStr((error as Record<string, unknown>).message);
      }
    }
  } catch {
    // not JSON: the raw text is the message
  }
  return raw;
}

/** Python truthiness of a JSON value. */
function pyTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** Python's str() of a JSON value, for the few shapes a message can take. */
function pyStr(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function conciseErrorLabel(errorType: string, errorMsg: string): string {
  if (errorType.startsWith("HTTP Error ")) {
    const code = errorType.split(/\s+/).at(-1) ?? "?";
    const byCode = HTTP_CODE_LABELS[code];
    if (byCode !== undefined) return `${code} - ${byCode}`;
    for (const [pattern, label] of HTTP_MESSAGE_LABELS) if (pattern.test(errorMsg)) return `${code} - ${label}`;
    return `${code} - other`;
  }
  for (const [pattern, label] of OTHER_MESSAGE_LABELS) if (pattern.test(errorMsg)) return label;
  return errorType.toLowerCase().trim();
}

/** inference-perf's (error_type, error_msg) of a record it counts a failure; null for one it counts a success. */
export function errorTypeAndMessage(rec: ScenarioRecord, streaming = true): { errorType: string; errorMsg: string } | null {
  const e = inferencePerfError(rec, streaming);
  return e === null ? null : { errorType: e.error_type, errorMsg: e.error_msg };
}
