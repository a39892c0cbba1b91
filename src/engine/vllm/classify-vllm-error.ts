/**
 * vLLM's per-request error strings (`errors`, written with --save-detailed) mapped onto kneepoint's
 * error reasons, so the error columns of both engines mean the same. vLLM's client
 * (`lib/endpoint_request_func.py`) writes exactly three kinds:
 *
 * - "Never received a valid chunk to calculate TTFT.This response will be marked as failed!": HTTP 200
 *   but no token-bearing chunk → "empty-stream";
 * - `response.reason`, the HTTP reason phrase of a non-200 answer ("Bad Request", "Too Many Requests") → "http";
 *   a server that sends no reason phrase leaves "", which looks like a success here (parse-vllm-result.ts
 *   counts such failures as "unknown");
 * - `traceback.format_exception(...)`, a Python traceback, classified by the exception it names; "unknown"
 *   when it names none that kneepoint knows.
 */
import type { ErrorReason } from "../request-record.ts";

export type VllmErrorReason = ErrorReason | "unknown";

/** Exception names in a traceback, in the order they are tried (first match wins). */
const TRACEBACK_REASONS: ReadonlyArray<[RegExp, ErrorReason]> = [
  [/ClientConnectorError|Cannot connect to host|ConnectionRefusedError|ClientConnectionError|gaierror/, "connection"],
  [/ServerDisconnectedError|ClientPayloadError|ConnectionResetError|Connection reset|TransferEncodingError|IncompleteRead/, "disconnect"],
  [/TimeoutError|timed out/i, "timeout"],
  [/JSONDecodeError/, "malformed-chunk"],
  [/CancelledError|KeyboardInterrupt/, "aborted"],
];

/** The reason of one non-empty vLLM error string. */
export function classifyVllmError(message: string): VllmErrorReason {
  if (/Never received a valid chunk/i.test(message)) return "empty-stream";
  const isTraceback = message.includes("Traceback (most recent call last)") || message.includes("\n");
  if (!isTraceback) return "http";
  for (const [pattern, reason] of TRACEBACK_REASONS) if (pattern.test(message)) return reason;
  return "unknown";
}

export interface VllmErrorCounts {
  /** Failed requests by reason (only non-empty error strings; vLLM writes "" for each success). */
  counts: Partial<Record<VllmErrorReason, number>>;
  /** Non-empty error strings counted. */
  total: number;
  /** Up to five distinct messages, each cut to one line of at most 160 characters, for the report's warnings. */
  samples: string[];
}

export function countVllmErrors(errors: readonly (string | null)[]): VllmErrorCounts {
  const counts: Partial<Record<VllmErrorReason, number>> = {};
  const samples = new Set<string>();
  let total = 0;
  for (const message of errors) {
    if (message === null || message.trim() === "") continue;
    const reason = classifyVllmError(message);
    counts[reason] = (counts[reason] ?? 0) + 1;
    total++;
    if (samples.size < 5) samples.add(`${reason}: ${summarizeMessage(message)}`);
  }
  return { counts, total, samples: [...samples] };
}

/** A traceback's last non-empty line (the exception), or the message itself, at most 160 characters. */
function summarizeMessage(message: string): string {
  const lines = message.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const line = lines[lines.length - 1] ?? "";
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
