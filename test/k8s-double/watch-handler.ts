/**
 * `?watch=true`: newline-delimited `{"type":"ADDED|MODIFIED|DELETED","object":…}`. Without a
 * resourceVersion (or "0") the stream starts with a synthetic ADDED per existing object; with one it replays
 * the kept history after it, and one older than the history gets the server's ERROR event (a Status with
 * reason Expired, code 410) on a 200 stream, as the watch cache answers. An object that starts or stops
 * matching the selectors arrives as ADDED or DELETED. `timeoutSeconds` ends the stream.
 */
import type { ServerResponse } from "node:http";
import { expired } from "./api-status.ts";
import type { Cluster } from "./cluster.ts";
import type { KubeObject, StoreEvent } from "./object-store.ts";
import { objectFilter, type ResourceRequest } from "./resource-handlers.ts";

export function handleWatch(c: Cluster, r: ResourceRequest, res: ServerResponse, openStreams: Set<ServerResponse>): void {
  const query = new URLSearchParams(r.query);
  if (r.name !== undefined) query.set("fieldSelector", [query.get("fieldSelector"), `metadata.name=${r.name}`].filter(Boolean).join(","));
  const keep = objectFilter(r.res, query);
  const inScope = (o: KubeObject) => r.namespace === undefined || o.metadata.namespace === r.namespace;
  const rvParam = query.get("resourceVersion") ?? "";

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  openStreams.add(res);
  const send = (type: string, object: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const deliver = (e: StoreEvent) => {
    if (e.resource !== r.res || !inScope(e.object)) return;
    const now = keep(e.object);
    if (e.type === "MODIFIED") {
      const before = e.previous ? keep(e.previous) : now;
      if (now && before) send("MODIFIED", e.object);
      else if (now) send("ADDED", e.object);
      else if (before) send("DELETED", e.object);
      return;
    }
    if (now) send(e.type, e.object);
  };

  let replay: StoreEvent[] = [];
  if (rvParam === "" || rvParam === "0") {
    for (const o of c.store.list(r.res, r.namespace)) if (keep(o)) send("ADDED", o);
  } else {
    const from = Number(rvParam);
    const changes = Number.isFinite(from) ? c.store.changesSince(from) : "expired";
    if (changes === "expired") {
      send("ERROR", expired(`too old resource version: ${rvParam} (${c.store.oldestResumableVersion})`));
      openStreams.delete(res);
      res.end();
      return;
    }
    replay = changes;
  }
  for (const e of replay) deliver(e);
  const unsubscribe = c.store.subscribe(deliver);
  const timeoutSeconds = Number(query.get("timeoutSeconds") ?? 0);
  const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
  const stop = () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    openStreams.delete(res);
  };
  res.on("close", stop);
  res.on("finish", stop);
}
