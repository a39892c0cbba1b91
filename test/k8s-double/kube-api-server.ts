/**
 * The HTTP front of the double: bearer-token authentication (401), optional RBAC (403), the request log,
 * discovery, and dispatch to the resource, watch, log and proxy handlers. Every failure leaves as a Status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ApiStatusError, methodNotAllowed, unauthorized } from "./api-status.ts";
import type { Cluster } from "./cluster.ts";
import { sendJson, sendStatus } from "./http-io.ts";
import { handlePodLog, type LogStreamFault } from "./pod-log-handler.ts";
import type { PodLogs } from "./pod-logs.ts";
import { forbiddenFor, isAllowed, type RoleObject } from "./rbac-authorizer.ts";
import { parseRequestTarget } from "./request-target.ts";
import { handleCreate, handleDelete, handleGet, handleList, handlePatch, handleUpdate, type ResourceRequest } from "./resource-handlers.ts";
import { handleServiceProxy } from "./service-proxy.ts";
import { handleWatch } from "./watch-handler.ts";

export interface RequestRecord {
  method: string;
  /** Path and query, as sent. */
  path: string;
  status: number;
  user: string;
  /** Warning headers the response carried. */
  warnings: string[];
}

export interface ServerState {
  cluster: Cluster;
  logs: PodLogs;
  token: string;
  adminToken: string;
  user: string;
  rbac: RoleObject[] | undefined;
  upstreams: Map<string, string>;
  logFaults: LogStreamFault[];
  requests: RequestRecord[];
  serverVersion: Record<string, string>;
  openStreams: Set<ServerResponse>;
}

function verbOf(method: string, hasName: boolean, watch: boolean, subresource: string | undefined): string {
  if (subresource === "proxy") return ({ GET: "get", HEAD: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" } as Record<string, string>)[method] ?? "get";
  switch (method) {
    case "GET":
      return watch ? "watch" : hasName ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

async function route(s: ServerState, req: IncomingMessage, res: ServerResponse, url: URL, user: { name: string; admin: boolean }): Promise<void> {
  const c = s.cluster;
  const target = parseRequestTarget(url.pathname, c.table);
  if (target.type === "discovery") {
    if (target.path === "version") return sendJson(res, 200, s.serverVersion);
    if (target.path === "health") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return;
    }
    if (target.path === "api") {
      return sendJson(res, 200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: req.headers.host ?? "" }] });
    }
    return sendJson(res, 200, c.table.groupList());
  }
  if (target.type === "resourceList") return sendJson(res, 200, c.table.resourceList(target.group, target.version));

  const method = req.method ?? "GET";
  const watch = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
  const r: ResourceRequest & { rest?: string } = { res: target.res, namespace: target.namespace, name: target.name, subresource: target.subresource, query: url.searchParams, rest: target.rest };
  const verb = verbOf(method, target.name !== undefined, watch, target.subresource);
  if (!user.admin && s.rbac) {
    const attrs = { verb, group: target.res.group, resource: target.res.plural, subresource: target.subresource, namespace: target.namespace, name: target.name };
    if (!isAllowed(s.rbac, attrs)) throw forbiddenFor(user.name, attrs);
  }
  if (target.subresource === "log") {
    if (method !== "GET") throw methodNotAllowed();
    return handlePodLog(c, s.logs, s.logFaults, r, res);
  }
  if (target.subresource === "proxy") return handleServiceProxy(c, s.upstreams, r, req, res, url.search);
  if (!target.res.verbs.includes(verb) && target.subresource === undefined) throw methodNotAllowed();
  switch (method) {
    case "GET":
      if (watch) return handleWatch(c, r, res, s.openStreams);
      return target.name === undefined ? handleList(c, r, res) : handleGet(c, r, res);
    case "POST":
      if (target.name !== undefined) throw methodNotAllowed();
      return handleCreate(c, r, req, res);
    case "PUT":
      if (target.name === undefined) throw methodNotAllowed();
      return handleUpdate(c, r, req, res);
    case "PATCH":
      if (target.name === undefined) throw methodNotAllowed();
      return handlePatch(c, r, req, res);
    case "DELETE":
      return handleDelete(c, r, req, res);
    default:
      throw methodNotAllowed();
  }
}

export function createKubeApiServer(s: ServerState): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const record: RequestRecord = { method: req.method ?? "GET", path: `${url.pathname}${url.search}`, status: 0, user: "", warnings: [] };
    s.requests.push(record);
    const writeHead = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      record.status = status;
      const headers = rest.find((x) => typeof x === "object" && x !== null) as Record<string, unknown> | undefined;
      const warning = headers?.Warning;
      if (Array.isArray(warning)) record.warnings = warning.map(String);
      return (writeHead as (...a: unknown[]) => ServerResponse)(status, ...rest);
    }) as typeof res.writeHead;

    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
    if (token === "" || (token !== s.token && token !== s.adminToken)) {
      record.user = "system:anonymous";
      req.resume();
      sendStatus(res, unauthorized());
      return;
    }
    const user = token === s.adminToken ? { name: "kubernetes-admin", admin: true } : { name: s.user, admin: false };
    record.user = user.name;
    route(s, req, res, url, user).catch((err: unknown) => {
      if (err instanceof ApiStatusError) {
        req.resume();
        sendStatus(res, err);
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      sendJson(res, 500, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `Internal error occurred: ${message}`, reason: "InternalError", code: 500 });
    });
  });
}
