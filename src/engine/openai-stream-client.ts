/**
 * The native engine's HTTP side: one streamed OpenAI-compatible request → one RequestRecord.
 * It records times and counts only (metrics are derived in src/metrics/). Hot path per network chunk:
 * one performance.now(), the SSE split, and JSON.parse of each event — nothing else.
 *
 * Timing follows `vllm bench serve` (research/vllm-bench.md §1.4): send time is taken just before the request
 * is written; a token-bearing chunk is any event whose `choices` is non-empty — for chat this includes vLLM's
 * role-only opening chunk (`delta: {role: "assistant", content: ""}`), so chat TTFT is taken at that chunk and
 * each chat request's first ITL sample is the short gap to the first content chunk, exactly as vLLM measures;
 * the usage chunk (`choices: []`) and `[DONE]` are not token events. A request succeeds iff HTTP 200 and at
 * least one token-bearing chunk arrived; every failure is kept with its reason.
 */
import { Pool } from "undici";
import type { RequestError, RequestRecord } from "./request-record.ts";
import { createSseParser } from "./sse-parser.ts";

export interface PreparedRequest {
  index: number;
  /** The serialized JSON body (built before the step starts, off the hot path). */
  body: string;
  plannedPromptTokens: number;
}

export interface StreamClient {
  send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord>;
  close(): Promise<void>;
}

export interface StreamClientOptions {
  baseUrl: string;
  endpoint: string;
  headers: Record<string, string>;
  apiKey?: string;
  /** Keep-alive connections; size it to the concurrency. */
  connections: number;
  timeoutMs: number;
}

interface ChunkJson {
  choices?: Array<{ text?: string | null; delta?: { content?: string | null } }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

const EXCERPT = 200;

function excerpt(s: string): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT ? flat.slice(0, EXCERPT) + "…" : flat;
}

export function buildRequestHeaders(opts: Pick<StreamClientOptions, "headers" | "apiKey">): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream", ...opts.headers };
  if (opts.apiKey) h.authorization = `Bearer ${opts.apiKey}`;
  return h;
}

/** Classifies a thrown error (connect, socket, abort, timeout) into a RequestError. */
function errorFromException(err: unknown, gotResponse: boolean, timedOut: boolean, aborted: boolean): RequestError {
  if (aborted) return { reason: "aborted", message: "run stopped while the request was in flight" };
  if (timedOut) return { reason: "timeout", message: "per-request timeout expired" };
  const e = err as { code?: string; message?: string };
  const detail = [e.code, e.message].filter(Boolean).join(": ");
  return gotResponse ? { reason: "disconnect", message: excerpt(detail || "stream ended abnormally") } : { reason: "connection", message: excerpt(detail || "request failed") };
}

export function createStreamClient(opts: StreamClientOptions): StreamClient {
  const url = new URL(opts.baseUrl);
  const pool = new Pool(url.origin, {
    connections: opts.connections,
    pipelining: 1,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 60_000,
  });
  const path = url.pathname.replace(/\/+$/, "") + opts.endpoint;
  const headers = buildRequestHeaders(opts);

  async function send(req: PreparedRequest, runSignal: AbortSignal): Promise<RequestRecord> {
    const rec: RequestRecord = {
      index: req.index,
      plannedPromptTokens: req.plannedPromptTokens,
      sendMs: 0,
      chunkTimesMs: [],
      promptTokens: null,
      completionTokens: null,
      textChunks: 0,
      sendEpochMs: Date.now(),
      error: null,
    };
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = AbortSignal.any([runSignal, timeout]);
    let gotResponse = false;
    rec.sendMs = performance.now();
    try {
      const res = await pool.request({ path, method: "POST", headers, body: req.body, signal });
      gotResponse = true;
      if (res.statusCode !== 200) {
        const text = await res.body.text().catch(() => "");
        rec.error = { reason: "http", status: res.statusCode, message: excerpt(`HTTP ${res.statusCode}: ${text}`) };
        return rec;
      }
      rec.error = await readStream(res.body, rec);
    } catch (err) {
      rec.error = errorFromException(err, gotResponse, timeout.aborted && !runSignal.aborted, runSignal.aborted);
    }
    if (rec.error === null && rec.chunkTimesMs.length === 0) {
      rec.error = { reason: "empty-stream", message: "HTTP 200 but no token-bearing chunk arrived" };
    }
    return rec;
  }

  return { send, close: () => pool.close() };
}

/** Reads the SSE body into `rec`; returns the error that ended it, or null. */
async function readStream(body: AsyncIterable<Uint8Array> & { destroy(err?: Error): unknown }, rec: RequestRecord): Promise<RequestError | null> {
  const parser = createSseParser();
  let done = false;
  for await (const chunk of body) {
    const t = performance.now();
    for (const data of parser.push(chunk)) {
      if (data === "[DONE]") {
        done = true;
        continue;
      }
      let json: ChunkJson;
      try {
        json = JSON.parse(data) as ChunkJson;
      } catch {
        body.destroy();
        return { reason: "malformed-chunk", message: excerpt(`not JSON: ${data}`) };
      }
      const choices = json.choices;
      if (choices && choices.length > 0) {
        rec.chunkTimesMs.push(t);
        const c = choices[0]!;
        const text = c.text ?? c.delta?.content;
        if (text) rec.textChunks++;
      } else if (json.usage) {
        if (typeof json.usage.prompt_tokens === "number") rec.promptTokens = json.usage.prompt_tokens;
        if (typeof json.usage.completion_tokens === "number") rec.completionTokens = json.usage.completion_tokens;
      } else if (json.error !== undefined) {
        body.destroy();
        const msg = typeof json.error === "string" ? json.error : (json.error.message ?? JSON.stringify(json.error));
        return { reason: "stream-error", message: excerpt(msg) };
      } else if (!Array.isArray(choices)) {
        body.destroy();
        return { reason: "malformed-chunk", message: excerpt(`no "choices" in chunk: ${data}`) };
      }
    }
  }
  if (!done && parser.pending() > 0) return { reason: "disconnect", message: "stream ended inside an event, before [DONE]" };
  return null;
}
