/**
 * services/proxy: `/api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/{path}` forwarded to the
 * upstream URL a test maps to the Service, response streamed back. As on a cluster: 404 when the Service is
 * missing, 503 "no endpoints available for service" while no ready pod backs it (or, in the double, no
 * upstream is mapped), 503 "error trying to reach service" when the upstream refuses the connection.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { notFound, serviceUnavailable } from "./api-status.ts";
import type { Cluster } from "./cluster.ts";
import { matchesSelector } from "./label-selector.ts";
import type { KubeObject } from "./object-store.ts";
import type { ResourceRequest } from "./resource-handlers.ts";

export function parseProxyName(raw: string): { scheme?: string; name: string; port?: string } {
  const parts = raw.split(":");
  if (parts.length === 3) return { scheme: parts[0], name: parts[1]!, port: parts[2] };
  if (parts.length === 2) return { name: parts[0]!, port: parts[1] };
  return { name: raw };
}

function isReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return pod.metadata.deletionTimestamp === undefined && conditions.some((x) => x.type === "Ready" && x.status === "True");
}

/** Whether the Service has an endpoint: a ready pod its selector matches (or, without a selector, a mapped upstream). */
export function hasEndpoints(c: Cluster, service: KubeObject, upstream: string | undefined): boolean {
  const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector;
  if (!selector || Object.keys(selector).length === 0) return upstream !== undefined;
  return c.store.list(c.res("Pod"), service.metadata.namespace).some((p) => isReady(p) && matchesSelector(p.metadata.labels, { matchLabels: selector }));
}

export function handleServiceProxy(c: Cluster, upstreams: ReadonlyMap<string, string>, r: ResourceRequest & { rest?: string }, req: IncomingMessage, res: ServerResponse, rawQuery: string): void {
  const { name, port } = parseProxyName(r.name!);
  const service = c.store.get(r.res, r.namespace, name);
  if (!service) throw notFound(r.res, name);
  const ports = ((service.spec as { ports?: { name?: string; port: number }[] }).ports ?? []);
  if (port !== undefined && port !== "" && !ports.some((p) => p.name === port || String(p.port) === port)) {
    throw serviceUnavailable(`no service port "${port}" found for service "${name}"`);
  }
  const upstream = upstreams.get(`${r.namespace}/${name}`);
  if (!hasEndpoints(c, service, upstream) || upstream === undefined) throw serviceUnavailable(`no endpoints available for service "${name}"`);
  const target = new URL(upstream);
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers.host;
  const upstreamReq = httpRequest(
    { hostname: target.hostname, port: target.port, method: req.method, path: `${target.pathname.replace(/\/$/, "")}${r.rest ?? "/"}${rawQuery}`, headers },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstreamReq.on("error", (err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const e = serviceUnavailable(`error trying to reach service: dial tcp ${target.host}: ${(err as NodeJS.ErrnoException).code === "ECONNREFUSED" ? "connect: connection refused" : err.message}`);
    res.writeHead(e.code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(e.body));
  });
  res.on("close", () => upstreamReq.destroy());
  req.pipe(upstreamReq);
}
