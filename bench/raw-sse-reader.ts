/**
 * The ceiling for the engine benchmark: about the least work a Node client can do to time an OpenAI SSE stream.
 * node:net sockets kept alive (one request at a time per socket, like the engine's Pool with pipelining 1), a
 * hand-written HTTP/1.1 request written in one call, chunked-transfer decoding on Buffers, `data: ` events found
 * by byte search, one performance.now() per network read. A token-bearing event is recognized without JSON.parse
 * (`"choices":[` not followed by `]`, which holds for the compact JSON vLLM and the simulator send); only the
 * usage event is parsed. It fills the engine's RequestRecord, so both clients are summarized by the same code.
 *
 * Not a product client: plain HTTP only, no redirects, no abort or timeout, 200 + chunked or it fails the request.
 */
import { connect, type Socket } from "node:net";
import type { PreparedRequest } from "../src/engine/openai-stream-client.ts";
import { newRequestRecord, type RequestError, type RequestRecord } from "../src/engine/request-record.ts";

export interface RawSseClient {
  send(req: PreparedRequest, signal?: AbortSignal): Promise<RequestRecord>;
  close(): void;
}

const CR = 13;
const LF = 10;
const LFLF = Buffer.from("\n\n");
const CRLFCRLF = Buffer.from("\r\n\r\n");
const CHOICES = Buffer.from('"choices":[');
const CLOSE_BRACKET = 93; // ]
const OPEN_BRACKET = 91; // [ : "[DONE]" is the only payload starting with it

const enum State {
  Head,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
}

interface InFlight {
  rec: RequestRecord;
  resolve(rec: RequestRecord): void;
}

/** One keep-alive connection and the parser state of the response it is reading. */
interface Conn {
  socket: Socket;
  current: InFlight | null;
  state: State;
  head: Buffer | null;
  chunkLeft: number;
  sizeDigits: number;
  trailerLineLen: number;
  /** The unfinished SSE event carried over from the previous payload slice. */
  carry: Buffer | null;
}

function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

export function createRawSseClient(opts: { baseUrl: string; path: string; connections: number }): RawSseClient {
  const url = new URL(opts.baseUrl);
  const port = Number(url.port || 80);
  const host = url.hostname;
  const headPrefix =
    `POST ${opts.path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
    `Accept: text/event-stream\r\nConnection: keep-alive\r\nContent-Length: `;
  const requestBytes = new Map<string, Buffer>();
  const idle: Conn[] = [];
  const waiters: Array<(c: Conn) => void> = [];
  const all = new Set<Conn>();

  function bytesOf(body: string): Buffer {
    let b = requestBytes.get(body);
    if (!b) {
      b = Buffer.from(`${headPrefix}${Buffer.byteLength(body)}\r\n\r\n${body}`);
      requestBytes.set(body, b);
    }
    return b;
  }

  function finish(c: Conn, error: RequestError | null, reusable: boolean): void {
    const f = c.current;
    c.current = null;
    c.carry = null;
    if (!reusable) {
      all.delete(c);
      c.socket.destroy();
    } else {
      const w = waiters.shift();
      if (w) w(c);
      else idle.push(c);
    }
    if (f) {
      f.rec.error = error ?? (f.rec.chunkTimesMs.length === 0 ? { reason: "empty-stream", message: "no token-bearing chunk" } : null);
      f.resolve(f.rec);
    }
  }

  /** One complete SSE event in buf[from, to). */
  function onEvent(c: Conn, buf: Buffer, from: number, to: number, t: number): void {
    const rec = c.current!.rec;
    if (to - from < 6 || buf[from + 4] !== 58 /* : */) return; // not "data:…" (comment or other field)
    let p = from + 5;
    if (buf[p] === 32) p++;
    if (buf[p] === OPEN_BRACKET) return; // [DONE]
    const q = buf.indexOf(CHOICES, p);
    if (q !== -1 && q < to && buf[q + CHOICES.length] !== CLOSE_BRACKET) {
      rec.chunkTimesMs.push(t);
      rec.textChunks++;
      return;
    }
    const usage = (JSON.parse(buf.toString("utf8", p, to)) as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
    if (usage) {
      rec.promptTokens = usage.prompt_tokens ?? null;
      rec.completionTokens = usage.completion_tokens ?? null;
    }
  }

  /** Payload bytes buf[from, to) of one HTTP chunk, all read at time t. */
  function onPayload(c: Conn, buf: Buffer, from: number, to: number, t: number): void {
    if (c.carry) {
      buf = Buffer.concat([c.carry, buf.subarray(from, to)]);
      from = 0;
      to = buf.length;
      c.carry = null;
    }
    for (;;) {
      const k = buf.indexOf(LFLF, from);
      if (k === -1 || k + 2 > to) {
        if (from < to) c.carry = Buffer.from(buf.subarray(from, to));
        return;
      }
      onEvent(c, buf, from, k, t);
      from = k + 2;
    }
  }

  function onData(c: Conn, buf: Buffer): void {
    const t = performance.now();
    if (!c.current) return; // bytes after a finished response: ignore
    let i = 0;
    let n = buf.length;
    while (i < n && c.current) {
      switch (c.state) {
        case State.Head: {
          const b = c.head ? Buffer.concat([c.head, buf.subarray(i)]) : i === 0 ? buf : buf.subarray(i);
          const end = b.indexOf(CRLFCRLF);
          if (end === -1) {
            c.head = Buffer.from(b);
            return;
          }
          c.head = null;
          const status = Number(b.toString("latin1", 9, 12));
          const chunked = b.toString("latin1", 0, end).toLowerCase().includes("transfer-encoding: chunked");
          if (status !== 200 || !chunked) {
            finish(c, { reason: "http", status, message: `HTTP ${status}${chunked ? "" : " (not chunked)"}` }, false);
            return;
          }
          buf = b;
          n = b.length;
          i = end + 4;
          c.state = State.ChunkSize;
          c.chunkLeft = 0;
          c.sizeDigits = 0;
          break;
        }
        case State.ChunkSize: {
          const b = buf[i++]!;
          if (b === LF) {
            if (c.chunkLeft === 0) {
              c.state = State.Trailer;
              c.trailerLineLen = 0;
            } else c.state = State.ChunkData;
          } else if (c.sizeDigits >= 0) {
            const h = hexValue(b);
            if (h >= 0) {
              c.chunkLeft = c.chunkLeft * 16 + h;
              c.sizeDigits++;
            } else if (b !== CR) c.sizeDigits = -1; // chunk extension: ignore the rest of the line
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(c.chunkLeft, n - i);
          onPayload(c, buf, i, i + take, t);
          i += take;
          c.chunkLeft -= take;
          if (c.chunkLeft === 0) c.state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          if (buf[i++] === LF) {
            c.state = State.ChunkSize;
            c.chunkLeft = 0;
            c.sizeDigits = 0;
          }
          break;
        }
        case State.Trailer: {
          const b = buf[i++]!;
          if (b === LF) {
            if (c.trailerLineLen === 0) finish(c, null, true);
            c.trailerLineLen = 0;
          } else if (b !== CR) c.trailerLineLen++;
          break;
        }
      }
    }
  }

  function openConn(): Conn {
    const socket = connect({ host, port, noDelay: true });
    const c: Conn = { socket, current: null, state: State.Head, head: null, chunkLeft: 0, sizeDigits: 0, trailerLineLen: 0, carry: null };
    all.add(c);
    socket.on("data", (buf: Buffer) => onData(c, buf));
    const gone = (err?: Error) => {
      all.delete(c);
      const at = idle.indexOf(c);
      if (at !== -1) idle.splice(at, 1);
      if (c.current) {
        const got = c.state !== State.Head;
        finish(c, { reason: got ? "disconnect" : "connection", message: err?.message ?? "socket closed" }, false);
      }
    };
    socket.on("error", gone);
    socket.on("close", () => gone());
    return c;
  }

  function acquire(): Conn | Promise<Conn> {
    const c = idle.pop();
    if (c) return c;
    if (all.size < opts.connections) return openConn();
    return new Promise((resolve) => waiters.push(resolve));
  }

  async function send(req: PreparedRequest): Promise<RequestRecord> {
    const rec = newRequestRecord(req.index, req.plannedPromptTokens, Date.now());
    const got = acquire();
    const c = got instanceof Promise ? await got : got;
    const bytes = bytesOf(req.body);
    return new Promise<RequestRecord>((resolve) => {
      c.current = { rec, resolve };
      c.state = State.Head;
      c.head = null;
      c.carry = null;
      rec.sendMs = performance.now();
      c.socket.write(bytes);
    });
  }

  return {
    send,
    close() {
      for (const c of all) c.socket.destroy();
      all.clear();
      idle.length = 0;
    },
  };
}
