/**
 * The native engine's HTTP side: one streamed OpenAI-compatible request → one RequestRecord.
 * It records times and counts only (metrics are derived in src/metrics/). Hot path per network chunk:
 * one performance.now(), the SSE split, and JSON.parse of each event — nothing else.
 *
 * Timing follows `vllm bench serve` (research/vllm-bench.md §1.4): send time is taken just before the request
 * is written; a token-bearing chunk is any event whose first choice carries a token (completion `text`, or a chat
 * `delta` with any field) — for chat this includes vLLM's role-only opening chunk (`delta: {role: "assistant",
 * content: ""}`), so chat TTFT is taken at that chunk and each chat request's first ITL sample is the short gap to
 * the first content chunk, exactly as vLLM measures; the usage chunk (`choices: []`) and `[DONE]` are not token
 * events. One deliberate difference from `vllm bench serve`, which counts every non-empty `choices`: a proxy's bare
 * choice (LiteLLM's finish chunk `{finish_reason, index}` and its usage chunk, which keeps `[{index: 0}]`) is not a
 * token, and `usage` is read from whichever chunk carries it. A request succeeds iff HTTP 200 and at least one
 * token-bearing chunk arrived; every failure is kept with its reason.
 *
 * Non-streamed requests (`streaming: false`, inference-perf's `api.streaming: false`): the whole JSON response is
 * read and its arrival — the time of the body's last network chunk — is recorded as the request's one
 * token-bearing chunk, so E2EL is measured and TTFT = E2EL, and `usage` is taken from the response. inference-perf
 * itself reports no TTFT/ITL/TPOT for such requests (its UnaryResponseMetrics carry no token times; research
 * inference-perf.md §2.2): a report that wants its keys leaves those latencies out when streaming is off, and a
 * report that shows TTFT shows the only first-token time a non-streamed client can know: the whole answer's.
 * Errors are classified as for streams: non-200 → "http"; a body that is not JSON → "malformed-chunk"; an
 * `error` object → "stream-error"; no `choices` → "empty-stream".
 *
 * Capture (`capture: true`, `kneepoint run` only, for inference-perf's report files): the record also keeps what
 * inference-perf's client keeps (request-record.ts ResponseCapture): the whole body, each content-bearing chunk's
 * time, data and text, and the merged `usage`. And it reads the way inference-perf reads: a malformed chunk or an
 * `error` event does not end the request (the record still carries it as its error), a 200 whose content-type is
 * not text/event-stream is read to its end and parsed as SSE all the same, and an error body is kept whole.
 * `capture.complete` says the body was read to its end (or to `[DONE]`): inference-perf's success, whatever the chunks.
 *
 * Transport: node:http(s) with a keep-alive Agent of `connections` sockets, not undici: undici waits one
 * event-loop turn before writing a request on a reused socket (client-h1.js), which showed as extra TTFT at
 * concurrency 256 in one-off profiling during development (not a repo benchmark; `npm run bench:engine` compares
 * this client with a raw-socket reader). Per-request timers are avoided for the same reason: one interval per
 * client expires overdue requests, and one listener per run signal cancels what is in flight.
 */
import http from "node:http";
import https from "node:https";
import { newRequestRecord, type RequestError, type RequestRecord } from "./request-record.ts";
import { newCapture } from "./response-capture.ts";
import { applyEvent, applyJsonResponse, EXCERPT, excerpt } from "./openai-events.ts";
import { createSseParser } from "./sse-parser.ts";
import { anthropicAuthHeaders, applyAnthropicEvent, applyAnthropicJson } from "./anthropic-events.ts";
import { createSessionHeaders, type SessionHeaderKeys } from "./session-headers.ts";
import { withHeaders } from "./merge-headers.ts";
import { scrubSecrets } from "../redact.ts";

export interface PreparedRequest {
  index: number;
  /** The serialized JSON body (built before the step starts, off the hot path). */
  body: string;
  plannedPromptTokens: number;
  /** The session the request belongs to (multi-turn data), for api.session_*_header_key (session-headers.ts). */
  sessionId?: string;
  /** Headers of this request (otel_trace_replay attribute_to_header_map), after the client's own. */
  headers?: Record<string, string>;
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
  /** false: the body asks for `stream: false` and the answer is one JSON document (default true). */
  streaming?: boolean;
  /**
   * Record `rec.capture` for inference-perf's reports (see the header): "full" keeps the streamed body and each
   * content chunk's JSON too (per-request reports), "text" only the chunk texts, times, usage and error bodies.
   */
  capture?: "full" | "text";
  /** server.cert_path/key_path: the TLS client certificate (client-certificate.ts); https targets only. */
  clientCertificate?: { cert: Buffer; key: Buffer };
  /** "anthropic": POST /v1/messages answers, read by anthropic-events.ts; the key goes as x-api-key. Default "openai". */
  protocol?: "openai" | "anthropic";
  /** api.session_id_header_key / session_token_header_key, for requests with a sessionId (session-headers.ts). */
  sessionHeaders?: SessionHeaderKeys;
}

const TIMEOUT_SCAN_MS = 25;

/** An SSE event larger than this is not a token chunk: the body is not a stream we can read. */
const MAX_PENDING_BYTES = 1 << 20;
const DONE_GRACE_MS = 1000;
/** A non-streamed answer larger than this is not a completion we can summarize. */
const MAX_JSON_BYTES = 64 << 20;

export function buildRequestHeaders(opts: Pick<StreamClientOptions, "headers" | "apiKey" | "streaming" | "protocol">): Record<string, string> {
  const accept = opts.streaming === false ? "application/json" : "text/event-stream";
  const h: Record<string, string> = { "content-type": "application/json", accept, ...opts.headers };
  if (opts.protocol === "anthropic") Object.assign(h, anthropicAuthHeaders(opts.apiKey));
  else if (opts.apiKey) h.authorization = `Bearer ${opts.apiKey}`;
  return h;
}

interface InFlight {
  deadlineMs: number;
  cancel(error: RequestError): void;
}

export function createStreamClient(opts: StreamClientOptions): StreamClient {
  const url = new URL(opts.baseUrl);
  const secure = url.protocol === "https:";
  const transport = secure ? https : http;
  const tls = secure && opts.clientCertificate ? { cert: opts.clientCertificate.cert, key: opts.clientCertificate.key } : {};
  const agent = new transport.Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections, ...tls });
  const path = url.pathname.replace(/\/+$/, "") + opts.endpoint;
  const baseHeaders = buildRequestHeaders(opts);
  const streaming = opts.streaming !== false;
  const capturing = opts.capture !== undefined;
  const keepRaw = opts.capture === "full";
  const anthropic = opts.protocol === "anthropic";
  const applyStreamEvent = anthropic ? applyAnthropicEvent : applyEvent;
  const applyWholeResponse = anthropic ? applyAnthropicJson : applyJsonResponse;
  const sessions = opts.sessionHeaders ? createSessionHeaders(opts.sessionHeaders) : null;
  const inFlight = new Set<InFlight>();
  /** Responses whose [DONE] arrived but that the server has not ended yet: cut by the same scan after a grace. */
  const lingering = new Map<http.IncomingMessage, number>();
  // A server or proxy may echo the credentials it rejected: error text never keeps them.
  const secrets = [opts.apiKey, ...Object.values(opts.headers)];
  const watchedSignals = new WeakSet<AbortSignal>();

  const timer = setInterval(() => {
    const now = performance.now();
    for (const f of inFlight) if (f.deadlineMs <= now) f.cancel({ reason: "timeout", message: `no complete answer within ${opts.timeoutMs} ms (--timeout)` });
    for (const [res, deadlineMs] of lingering) if (deadlineMs <= now) res.destroy();
  }, TIMEOUT_SCAN_MS);
  timer.unref();

  function watch(signal: AbortSignal): void {
    if (watchedSignals.has(signal)) return;
    watchedSignals.add(signal);
    signal.addEventListener("abort", () => {
      for (const f of inFlight) f.cancel({ reason: "aborted", message: "run stopped while the request was in flight" });
    });
  }

  function send(req: PreparedRequest, runSignal: AbortSignal): Promise<RequestRecord> {
    watch(runSignal);
    const rec = newRequestRecord(req.index, req.plannedPromptTokens, Date.now());
    const capture = capturing ? (rec.capture = anthropic ? { ...newCapture(), anthropic: true } : newCapture()) : null;
    return new Promise<RequestRecord>((resolve) => {
      let settled = false;
      /** Capture: the streamed body so far (kept when a timeout or a cut ends the request, as inference-perf keeps it). */
      const bodyParts: Buffer[] = [];
      let bodyBytes = 0;
      let captureEnded = false;
      let gotResponse = false;
      let request!: http.ClientRequest; // assigned below, before anything can cancel
      const entry: InFlight = {
        deadlineMs: 0,
        cancel(error) {
          finish(error);
          request.destroy();
        },
      };
      const finish = (error: RequestError | null): void => {
        if (settled) return;
        settled = true;
        rec.endMs = performance.now();
        if (capture && !captureEnded && bodyBytes > 0) capture.body = scrubSecrets(Buffer.concat(bodyParts, bodyBytes).toString("utf8"), secrets);
        inFlight.delete(entry);
        if (error) error.message = scrubSecrets(error.message, secrets);
        rec.error = error ?? (rec.chunkTimesMs.length === 0 ? { reason: "empty-stream", message: "HTTP 200 but no token-bearing chunk arrived" } : null);
        resolve(rec);
      };
      if (runSignal.aborted) {
        rec.error = { reason: "aborted", message: "run stopped before the request was sent" };
        return resolve(rec);
      }
      request = transport.request(
        {
          agent,
          method: "POST",
          hostname: url.hostname,
          port: url.port,
          path,
          headers: { ...withHeaders(baseHeaders, req.headers), ...(sessions && req.sessionId !== undefined ? sessions.forRequest(req.sessionId) : {}), "content-length": Buffer.byteLength(req.body) },
        },
        (res) => {
          gotResponse = true;
          if (sessions && req.sessionId !== undefined) sessions.fromResponse(req.sessionId, res.headers);
          if (res.statusCode !== 200) {
            let body = "";
            res.setEncoding("utf8");
            const keep = capture ? MAX_JSON_BYTES : 4 * EXCERPT;
            res.on("data", (d: string) => {
              if (body.length < keep) body += d;
            });
            res.on("end", () => {
              if (capture) {
                capture.body = scrubSecrets(body, secrets);
                capture.complete = true;
              }
              finish({ reason: "http", status: res.statusCode ?? 0, message: excerpt(`HTTP ${res.statusCode}: ${body}`) });
            });
            res.on("error", () => finish({ reason: "http", status: res.statusCode ?? 0, message: excerpt(`HTTP ${res.statusCode}: ${body}`) }));
            return;
          }
          if (!streaming) return readJsonResponse(res);
          const contentType = String(res.headers["content-type"] ?? "");
          const notSse = !contentType.includes("text/event-stream");
          if (notSse && !capture) {
            // A server that ignored stream:true (JSON), or an auth proxy's login page: say so, don't buffer it.
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => {
              body += d;
              if (body.length >= 4 * EXCERPT) res.destroy();
            });
            const notStream = () =>
              finish({ reason: "not-a-stream", status: 200, message: excerpt(`HTTP 200 with content-type "${contentType || "none"}", not text/event-stream: ${body}`) });
            res.on("end", notStream);
            res.on("close", notStream);
            return;
          }
          const parser = createSseParser();
          let doneSeen = false;
          /** Capture: the first malformed chunk or error event, reported when the response ends (inference-perf reads on). */
          let softError: RequestError | null = null;
          const endCapture = (complete: boolean) => {
            if (!capture || captureEnded) return;
            captureEnded = true;
            capture.body = scrubSecrets(Buffer.concat(bodyParts, bodyBytes).toString("utf8"), secrets);
            capture.complete = complete;
          };
          const notAStream = (): RequestError => ({
            reason: "not-a-stream",
            status: 200,
            message: excerpt(`HTTP 200 with content-type "${contentType || "none"}", not text/event-stream: ${capture?.body ?? ""}`),
          });
          res.on("data", (chunk: Buffer) => {
            if (settled || doneSeen) return;
            const t = performance.now();
            if (capture && (keepRaw || notSse) && bodyBytes < MAX_JSON_BYTES) {
              bodyParts.push(chunk);
              bodyBytes += chunk.length;
            }
            for (const data of parser.push(chunk)) {
              if (data === "[DONE]") {
                // The answer is complete. The request settles when the response ends (normally at once, which
                // frees the keep-alive socket for the next request before it is sent); a server that keeps the
                // response open after [DONE] is cut by the timeout scan after DONE_GRACE_MS, and the request
                // still counts as a success.
                doneSeen = true;
                lingering.set(res, performance.now() + DONE_GRACE_MS);
                endCapture(true);
                return;
              }
              const err = applyStreamEvent(data, rec, t, keepRaw);
              if (err && capture) softError ??= err;
              else if (err) {
                finish(err);
                res.destroy();
                return;
              }
            }
            if (parser.pending() > MAX_PENDING_BYTES) {
              endCapture(false);
              finish({ reason: "malformed-chunk", message: `no event boundary in ${MAX_PENDING_BYTES} bytes: not an SSE stream` });
              res.destroy();
            }
          });
          res.on("end", () => {
            // "data: [DONE]" followed by a single newline still ends the answer.
            lingering.delete(res);
            if (!doneSeen) endCapture(true);
            // Anthropic's stream has no [DONE] (it ends after message_stop): complete when it ends at an event boundary.
            const atBoundary = anthropic && parser.pending() === 0;
            const tail = doneSeen || atBoundary ? [] : parser.push(Buffer.from("\n"));
            if (notSse) finish(notAStream());
            else if (doneSeen || atBoundary || tail.includes("[DONE]") || parser.pending() === 0) finish(softError);
            else finish(softError ?? { reason: "disconnect", message: "stream ended inside an event" });
          });
          res.on("close", () => {
            lingering.delete(res);
            if (doneSeen) finish(softError);
            else if (!res.complete) {
              endCapture(false);
              finish({ reason: "disconnect", message: "connection closed mid-stream" });
            }
          });
          res.on("error", (err: NodeJS.ErrnoException) => {
            endCapture(false);
            finish({ reason: "disconnect", message: excerpt([err.code, err.message].filter(Boolean).join(": ")) });
          });
        },
      );
      function readJsonResponse(res: http.IncomingMessage): void {
        const parts: Buffer[] = [];
        let bytes = 0;
        let lastDataMs = 0;
        res.on("data", (chunk: Buffer) => {
          if (settled) return;
          lastDataMs = performance.now();
          bytes += chunk.length;
          if (bytes > MAX_JSON_BYTES) {
            finish({ reason: "malformed-chunk", message: `response body over ${MAX_JSON_BYTES} bytes: not a completion` });
            res.destroy();
            return;
          }
          parts.push(chunk);
        });
        res.on("end", () => {
          if (settled) return;
          const body = Buffer.concat(parts, bytes).toString("utf8");
          if (capture) {
            capture.body = scrubSecrets(body, secrets);
            capture.complete = true;
          }
          finish(applyWholeResponse(body, rec, lastDataMs || performance.now()));
        });
        res.on("close", () => {
          if (!res.complete) finish({ reason: "disconnect", message: "connection closed before the response ended" });
        });
        res.on("error", (err: NodeJS.ErrnoException) => finish({ reason: "disconnect", message: excerpt([err.code, err.message].filter(Boolean).join(": ")) }));
      }
      request.on("error", (err: NodeJS.ErrnoException) => {
        const detail = excerpt([err.code, err.message].filter(Boolean).join(": ") || "request failed");
        finish(gotResponse ? { reason: "disconnect", message: detail } : { reason: "connection", message: detail });
      });
      entry.deadlineMs = performance.now() + opts.timeoutMs;
      inFlight.add(entry);
      rec.sendMs = performance.now();
      request.end(req.body);
    });
  }

  return {
    send,
    async close() {
      clearInterval(timer);
      agent.destroy();
    },
  };
}
