/**
 * A proxy in front of a fresh simulator that keeps every POST /v1/* request it forwards — path, headers (names
 * lower-cased, as node gives them) and parsed body — and streams the answer back unchanged, headers included, so
 * a client sees the simulator's SSE timing and response headers. For request-parity tests against the real
 * inference-perf (the same proxy in front of each tool's own simulator).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { startSimulator, type RunningSimulator, type SimOptions } from "../../src/sim/server.ts";

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Headers the proxy added to the answer (`addResponseHeaders`), when it added any. */
  added?: Record<string, string>;
}

/** Headers to add to the answer of the n-th recorded request (from 1): e.g. a router's session token. */
export type AddResponseHeaders = (req: RecordedRequest, n: number) => Record<string, string>;

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Headers a client sets for the transport, not the API: left out of comparisons. */
export const TRANSPORT_HEADERS = new Set(["host", "content-length", "connection", "accept-encoding", "user-agent", "accept", "keep-alive"]);

export async function startRecordingProxy(simOptions: Partial<SimOptions> = {}, addResponseHeaders?: AddResponseHeaders): Promise<RecordingProxy> {
  const sim: RunningSimulator = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, ...simOptions });
  const target = new URL(sim.url);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let added: Record<string, string> = {};
      if (req.url?.startsWith("/v1/") && req.method === "POST") {
        const rec: RecordedRequest = { path: req.url, headers: { ...req.headers }, body: JSON.parse(body.toString()) as Record<string, unknown> };
        requests.push(rec);
        if (addResponseHeaders) rec.added = added = addResponseHeaders(rec, requests.length);
      }
      const upstream = httpRequest(
        { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, { ...up.headers, ...added });
          up.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
    },
  };
}

/** A request's headers without the transport ones, for comparing what two clients sent. */
export function apiHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!TRANSPORT_HEADERS.has(k) && v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}
