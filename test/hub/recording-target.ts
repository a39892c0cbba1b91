/** A fresh simulator behind a proxy that keeps the body of every POST /v1/* it forwards (the requests a tool sent). */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSimulator } from "../../src/sim/server.ts";

export type Body = Record<string, unknown>;

export async function startRecordingTarget(): Promise<{ url: string; bodies: Body[]; close: () => Promise<void> }> {
  const sim = await startSimulator({ port: 0, ttftMs: 2, itlMs: 1 });
  const bodies: Body[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      if (req.url?.startsWith("/v1/") && req.method === "POST") bodies.push(JSON.parse(text) as Body);
      void fetch(sim.url + req.url, { method: req.method, headers: { "content-type": "application/json" }, ...(req.method === "POST" ? { body: text } : {}) }).then(async (r) => {
        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, close: async () => (server.close(), await sim.close()) };
}
