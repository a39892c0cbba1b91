/**
 * `server.type: mock`: inference-perf 0.7.0's MockModelServerClient (client/modelserver/mock_client.py), a
 * client-side stand-in that sends nothing. Each request waits `mock_latency` (1 s; main.py never sets another)
 * and is recorded as a success with 0 input and 0 output tokens and no response; when load.request_timeout is
 * below that latency it waits the timeout instead and is recorded as a TimeoutError. Nothing is written to a
 * socket, so no server, model or tokenizer endpoint is needed; the records go through the same report path as
 * real ones (a non-streamed answer of no text, so no TTFT/ITL/TPOT, as inference-perf's UnaryResponseMetrics).
 */
import type { PreparedRequest, StreamClient } from "./openai-stream-client.ts";
import { newRequestRecord, type RequestRecord } from "./request-record.ts";

/** inference-perf's MockModelServerClient default `mock_latency`, seconds. */
export const MOCK_LATENCY_S = 1;
/** The model name inference-perf's mock client puts in each recorded request body. */
export const MOCK_MODEL = "mock_model";

export function createMockClient(opts: { latencyMs?: number; timeoutMs: number }): StreamClient {
  const latencyMs = opts.latencyMs ?? MOCK_LATENCY_S * 1000;
  const timedOut = opts.timeoutMs < latencyMs;
  const waitMs = timedOut ? opts.timeoutMs : latencyMs;
  const timers = new Set<NodeJS.Timeout>();

  function send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord> {
    // input_tokens 0, whatever the prompt: the mock client records Text(input_tokens=0).
    const rec = newRequestRecord(req.index, 0, Date.now());
    rec.sendMs = performance.now();
    if (signal.aborted) {
      rec.endMs = rec.sendMs;
      rec.error = { reason: "aborted", message: "run stopped before the request was sent" };
      return Promise.resolve(rec);
    }
    return new Promise((resolve) => {
      const settle = (error: RequestRecord["error"]) => {
        clearTimeout(timer);
        timers.delete(timer);
        signal.removeEventListener("abort", onAbort);
        rec.endMs = performance.now();
        rec.error = error;
        // The answer "arrives" at its end: one token-bearing event of no text (0 output tokens).
        if (error === null) rec.chunkTimesMs.push(rec.endMs);
        resolve(rec);
      };
      const onAbort = () => settle({ reason: "aborted", message: "run stopped while the request was in flight" });
      const timer = setTimeout(() => settle(timedOut ? { reason: "timeout", message: `no complete answer within ${opts.timeoutMs} ms (mock latency ${latencyMs} ms)` } : null), waitMs);
      timers.add(timer);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  return {
    send,
    async close() {
      for (const t of timers) clearTimeout(t);
    },
  };
}

/** Python's repr() of a JSON value (str(dict) as inference-perf's mock client records the request). */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === "string") return pythonStr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonStr(k)}: ${pythonRepr(v)}`).join(", ")}}`;
}

function pythonFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "nan" : n > 0 ? "inf" : "-inf";
  const s = String(n);
  return /[.e]/.test(s) ? s.replace(/e([+-])(\d)$/, "e$10$2") : `${s}.0`;
}

function pythonStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/**
 * The request as inference-perf's mock client records it: `str(await data.to_request_body("mock_model", 3, False,
 * False))`, i.e. the body kneepoint would send with the mock model, max_tokens 3, ignore_eos and stream off.
 */
export function mockRequestData(body: string): string {
  const sent = JSON.parse(body) as Record<string, unknown>;
  const input = "messages" in sent ? { messages: sent.messages } : { prompt: sent.prompt };
  return pythonRepr({ model: MOCK_MODEL, ...input, max_tokens: 3, ignore_eos: false, stream: false });
}
