/**
 * A raw HTTP/1.1 + SSE reader for the simulator's wire tests, on node:net: it writes the request
 * bytes itself, decodes chunked transfer encoding and splits SSE events on "\n\n", timestamping
 * each event when the bytes that complete it arrive. Deliberately shares nothing with src/engine,
 * so each side checks the other.
 */
import { connect } from "node:net";

export interface SseEvent {
  data: string;
  atMs: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** SSE `data:` payloads in order (only for text/event-stream responses). */
  events: SseEvent[];
  sentMs: number;
  /** The connection closed before the response was complete (no terminating chunk). */
  truncated: boolean;
}

export interface RawRequest {
  method?: "GET" | "POST";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this exact body text instead of JSON.stringify(body). */
  rawBody?: string;
}

export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const payload = req.rawBody ?? (req.body === undefined ? "" : JSON.stringify(req.body));
  const method = req.method ?? (payload ? "POST" : "GET");
  const head = [
    `${method} ${req.path} HTTP/1.1`,
    `Host: ${url.host}`,
    "Connection: close",
    ...(payload ? ["Content-Type: application/json", `Content-Length: ${Buffer.byteLength(payload)}`] : []),
    ...Object.entries(req.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ].join("\r\n");

  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let raw = Buffer.alloc(0);
    let headerDone = false;
    let status = 0;
    const headers: Record<string, string> = {};
    let chunked = false;
    let complete = false;
    let bodyText = "";
    let pendingBody = Buffer.alloc(0);
    let sseBuffer = "";
    const events: SseEvent[] = [];
    let sentMs = 0;

    const onBodyText = (text: string, atMs: number) => {
      bodyText += text;
      if (!headers["content-type"]?.startsWith("text/event-stream")) return;
      sseBuffer += text;
      let i: number;
      while ((i = sseBuffer.indexOf("\n\n")) >= 0) {
        const event = sseBuffer.slice(0, i);
        sseBuffer = sseBuffer.slice(i + 2);
        for (const line of event.split("\n")) if (line.startsWith("data: ")) events.push({ data: line.slice(6), atMs });
      }
    };

    const decodeChunked = (atMs: number) => {
      for (;;) {
        const lineEnd = pendingBody.indexOf("\r\n");
        if (lineEnd < 0) return;
        const size = parseInt(pendingBody.subarray(0, lineEnd).toString("latin1"), 16);
        if (size === 0) {
          complete = true;
          return;
        }
        if (pendingBody.length < lineEnd + 2 + size + 2) return;
        onBodyText(pendingBody.subarray(lineEnd + 2, lineEnd + 2 + size).toString("utf8"), atMs);
        pendingBody = pendingBody.subarray(lineEnd + 2 + size + 2);
      }
    };

    socket.on("connect", () => {
      socket.setNoDelay(true);
      sentMs = performance.now();
      socket.write(head + "\r\n\r\n" + payload);
    });
    socket.on("data", (data: Buffer) => {
      const atMs = performance.now();
      if (!headerDone) {
        raw = Buffer.concat([raw, data]);
        const end = raw.indexOf("\r\n\r\n");
        if (end < 0) return;
        const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
        status = Number(lines[0]!.split(" ")[1]);
        for (const line of lines.slice(1)) {
          const c = line.indexOf(":");
          headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
        }
        chunked = headers["transfer-encoding"] === "chunked";
        headerDone = true;
        data = raw.subarray(end + 4);
      }
      if (chunked) {
        pendingBody = Buffer.concat([pendingBody, data]);
        decodeChunked(atMs);
      } else {
        pendingBody = Buffer.concat([pendingBody, data]);
        const length = Number(headers["content-length"] ?? NaN);
        if (pendingBody.length >= length) {
          onBodyText(pendingBody.toString("utf8"), atMs);
          complete = true;
        }
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (headerDone && (err.code === "ECONNRESET" || err.code === "EPIPE")) return; // server destroyed the socket mid-stream
      reject(err);
    });
    socket.on("close", () => {
      if (!headerDone) return reject(new Error(`connection closed before a response to ${method} ${req.path}`));
      if (!chunked && !complete && Number.isNaN(Number(headers["content-length"] ?? NaN))) onBodyText(pendingBody.toString("utf8"), performance.now());
      resolve({ status, headers, body: bodyText, events, sentMs, truncated: !complete });
    });
  });
}

export async function postJson(baseUrl: string, path: string, body: unknown, headers?: Record<string, string>): Promise<RawResponse> {
  return rawRequest(baseUrl, { path, body, ...(headers ? { headers } : {}) });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
