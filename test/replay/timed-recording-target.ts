/**
 * A deterministic simulator behind a proxy that keeps every POST /v1/* body with the moments the request arrived
 * and its answer ended (the proxy's clock): what a session replay sent, and in which order.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSimulator } from "../../src/sim/server.ts";

export interface TimedBody {
  body: Record<string, unknown>;
  /** The request's headers, names lower-cased. */
  headers: Record<string, string>;
  arrivedMs: number;
  endedMs: number;
}

/** A request `failWith` answers itself (an HTTP status and body), without the simulator. */
export type FailWith = (body: Record<string, unknown>) => { status: number; body: string } | null;

export async function startTimedRecordingTarget(failWith: FailWith = () => null): Promise<{ url: string; requests: TimedBody[]; close: () => Promise<void> }> {
  // Room for tool definitions: the simulator renders them into the prompt as Llama-3.1's template does, and its small
  // tokenizer counts JSON's indentation about 3.5 times as many tokens as Llama's would.
  const sim = await startSimulator({ port: 0, ttftMs: 5, itlMs: 1, maxModelLen: 32768 });
  const requests: TimedBody[] = [];
  const server: Server = createServer((req, res) => {
    const arrivedMs = performance.now();
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const failure = req.method === "POST" && req.url?.startsWith("/v1/") ? failWith(JSON.parse(text) as Record<string, unknown>) : null;
      if (failure) {
        requests.push({ body: JSON.parse(text) as Record<string, unknown>, headers, arrivedMs, endedMs: performance.now() });
        res.writeHead(failure.status, { "content-type": "application/json" });
        res.end(failure.body);
        return;
      }
      void fetch(sim.url + req.url, { method: req.method, headers: { "content-type": "application/json" }, ...(req.method === "POST" ? { body: text } : {}) }).then(async (r) => {
        const payload = Buffer.from(await r.arrayBuffer());
        if (req.url?.startsWith("/v1/") && req.method === "POST") requests.push({ body: JSON.parse(text) as Record<string, unknown>, headers, arrivedMs, endedMs: performance.now() });
        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
        res.end(payload);
      });
    });
  });
  // A client keeps idle connections longer than Node's 5 s default; closing one as the client reuses it is a
  // "connection reset" 0.7.0 does not retry (seen under load), which no real server behind it would cause.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: async () => (server.close(), await sim.close()) };
}
