/**
 * The kubelet's HTTPS server (pkg/kubelet/server) on the node's InternalIP and daemonEndpoints port, for what the
 * API server proxies to it:
 * - TLS with a serving certificate from the test CA (IP SAN = node IP): the API server verifies it with
 *   --kubelet-certificate-authority;
 * - client certificates required and verified against the CA (the kubelet's --client-ca-file x509
 *   authentication); authorization is the webhook's answer for the one caller that matters: a client in
 *   system:masters (the API server's --kubelet-client-certificate) may do everything, anyone else gets the
 *   kubelet's 403 text ("Forbidden (user=…, verb=get, resource=nodes, subresource(s)=[log])");
 * - GET /healthz → "ok";
 * - GET /containerLogs/{namespace}/{pod}/{container}?follow&previous&timestamps&sinceSeconds&sinceTime&tailLines
 *   &limitBytes (also the legacy `tail`): cri-log-reader.ts; errors as the kubelet words them.
 * Tests: `breakLogStreams("end")` ends every open follow response cleanly (what an API server or proxy closing a
 * long response looks like to the client), `breakLogStreams("destroy")` drops their connections.
 */
import { readFileSync } from "node:fs";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { readCriLog } from "./cri-log-reader.ts";
import type { PodWorker } from "./pod-worker.ts";

export interface KubeletServer {
  port: number;
  /** Ends ("end": cleanly, the chunked response terminated) or drops ("destroy") every open follow response; returns how many. */
  breakLogStreams(how?: "end" | "destroy"): number;
  close(): Promise<void>;
}

export async function startKubeletServer(o: { address: string; cert: string; key: string; ca: string; findPod(ns: string, name: string): PodWorker | undefined }): Promise<KubeletServer> {
  const server = https.createServer({ cert: readFileSync(o.cert), key: readFileSync(o.key), ca: readFileSync(o.ca), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String((err as Error).message));
    });
  });
  const open = new Set<import("node:stream").Duplex>();
  const follows = new Set<{ end(): void; destroy(): void }>();
  server.on("connection", (s) => {
    open.add(s);
    s.on("close", () => open.delete(s));
  });

  const fail = (res: import("node:http").ServerResponse, code: number, message: string) => {
    res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(message);
  };

  async function handle(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://kubelet");
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    const subject = peer.subject as unknown as Record<string, string | string[]> | undefined;
    const groups = ([] as string[]).concat(subject?.O ?? []);
    const user = String(subject?.CN ?? "system:anonymous");
    if (url.pathname === "/healthz") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("ok");
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!groups.includes("system:masters")) {
      const sub = m ? "log" : "proxy";
      return fail(res, 403, `Forbidden (user=${user}, verb=get, resource=nodes, subresource(s)=[${sub}])\n`);
    }
    if (!m || req.method !== "GET") return fail(res, 404, "404 page not found\n");
    const [, ns = "", podName = "", containerName = ""] = m.map(decodeURIComponent);
    const q = url.searchParams;
    const bool = (k: string) => q.get(k) === "true" || q.get(k) === "1";
    const num = (k: string) => (q.get(k) !== null && q.get(k) !== "" ? Number(q.get(k)) : undefined);
    const tail = q.get("tail");
    let tailLines = num("tailLines");
    if (tail !== null) tailLines = tail === "all" ? undefined : Number(tail);
    const sinceSeconds = num("sinceSeconds");
    const sinceTime = q.get("sinceTime");
    const limitBytes = num("limitBytes");
    if ((tailLines !== undefined && (!Number.isInteger(tailLines) || tailLines < 0)) || (sinceSeconds !== undefined && sinceSeconds < 1) || (limitBytes !== undefined && limitBytes < 1) || (sinceSeconds !== undefined && sinceTime)) {
      return fail(res, 422, `{"message": "Invalid request."}`);
    }
    const worker = o.findPod(ns, podName);
    if (!worker) return fail(res, 404, `pod "${podName}" does not exist\n`);
    const container = worker.container(containerName);
    const logs = worker.containerLogs(containerName);
    if (!container || !logs) return fail(res, 404, `container "${containerName}" not found in pod "${podName}"\n`);
    const previous = bool("previous");
    let path: string | undefined;
    let running = () => logs.running;
    if (previous) {
      // validateContainerLogStatus: the last terminated instance.
      if (!container.lastState.terminated) return fail(res, 400, `previous terminated container "${containerName}" in pod "${podName}" not found\n`);
      path = logs.files.get(container.restartCount - 1);
      running = () => false;
    } else {
      if (container.state.waiting && !container.everRan) return fail(res, 400, `container "${containerName}" in pod "${podName}" is waiting to start: ${container.state.waiting.reason}\n`);
      path = logs.files.get(container.restartCount);
    }
    if (!path) return fail(res, 400, `container "${containerName}" in pod "${podName}" has no log\n`);

    res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
    let closed = false;
    let cut = false;
    const follow = { end: () => (cut = true), destroy: () => res.destroy() };
    if (bool("follow")) follows.add(follow);
    res.on("close", () => {
      closed = true;
      follows.delete(follow);
    });
    const since = sinceTime ? new Date(sinceTime) : sinceSeconds !== undefined ? new Date(Date.now() - sinceSeconds * 1000) : undefined;
    await readCriLog(
      path,
      { follow: bool("follow"), timestamps: bool("timestamps"), since, tailLines, limitBytes },
      running,
      (b) =>
        new Promise<void>((resolve) => {
          if (closed) return resolve();
          if (res.write(b)) resolve();
          else {
            const done = () => {
              res.off("drain", done);
              res.off("close", done);
              resolve();
            };
            res.once("drain", done);
            res.once("close", done);
          }
        }),
      () => closed || cut,
    );
    follows.delete(follow);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, o.address, () => resolve());
  });
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    port,
    breakLogStreams(how = "end") {
      const list = [...follows];
      follows.clear();
      for (const f of list) f[how]();
      return list.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
