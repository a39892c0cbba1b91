/**
 * GET /api/v1/namespaces/{ns}/pods/{name}/log with container, follow, previous, tailLines, sinceSeconds,
 * sinceTime, timestamps and limitBytes. Errors in the API server's and kubelet's words; `follow` streams
 * the log so far and then each new line until the container terminates, when the response ends. An
 * unscheduled pod's log is an empty 200 (the server has no node to ask).
 */
import type { ServerResponse } from "node:http";
import { badRequest, notFound } from "./api-status.ts";
import type { Cluster } from "./cluster.ts";
import { formatLine, type LogLine, type PodLogs } from "./pod-logs.ts";
import type { ResourceRequest } from "./resource-handlers.ts";

export interface LogStreamFault {
  afterBytes: number;
  remaining: number;
}

interface ContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: unknown };
  lastState?: { terminated?: unknown };
}

export function handlePodLog(c: Cluster, logs: PodLogs, faults: LogStreamFault[], r: ResourceRequest, res: ServerResponse): void {
  const pod = c.store.get(r.res, r.namespace, r.name!);
  if (!pod) throw notFound(r.res, r.name!);
  const spec = pod.spec as { containers: { name: string }[]; nodeName?: string };
  const names = spec.containers.map((x) => x.name);
  let container = r.query.get("container") ?? "";
  if (container === "") {
    if (names.length !== 1) throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(" ")}]`);
    container = names[0]!;
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  const q = r.query;
  const follow = q.get("follow") === "true" || q.get("follow") === "1";
  const previous = q.get("previous") === "true";
  const timestamps = q.get("timestamps") === "true";
  const tailLines = q.get("tailLines") === null ? undefined : Number(q.get("tailLines"));
  const limitBytes = q.get("limitBytes") === null ? undefined : Number(q.get("limitBytes"));
  let sinceMs: number | undefined;
  if (q.get("sinceSeconds") !== null) sinceMs = c.now().getTime() - Number(q.get("sinceSeconds")) * 1000;
  if (q.get("sinceTime") !== null) sinceMs = Date.parse(q.get("sinceTime")!);

  if (!spec.nodeName) {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end();
    return;
  }
  const statuses = ((pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? []);
  const status = statuses.find((s) => s.name === container);
  const log = logs.get(pod.metadata.uid!, container, previous);
  if (previous && !log) throw badRequest(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
  if (!previous && (!log || status?.state?.waiting)) {
    const reason = status?.state?.waiting?.reason ?? "ContainerCreating";
    throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
  }

  const fault = follow ? faults.find((f) => f.remaining > 0) : undefined;
  if (fault) fault.remaining -= 1;
  let sent = 0;
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  const write = (text: string): boolean => {
    if (res.destroyed || res.writableEnded) return false;
    let chunk = Buffer.from(text, "utf8");
    if (limitBytes !== undefined && sent + chunk.length > limitBytes) chunk = chunk.subarray(0, Math.max(0, limitBytes - sent));
    if (fault && sent + chunk.length >= fault.afterBytes) {
      // Cut as a dropped connection would: the bytes up to the limit, then no chunked terminator.
      const socket = res.socket;
      res.write(chunk.subarray(0, Math.max(0, fault.afterBytes - sent)), () => socket?.destroy());
      sent = fault.afterBytes;
      return false;
    }
    sent += chunk.length;
    res.write(chunk);
    if (limitBytes !== undefined && sent >= limitBytes) {
      res.end();
      return false;
    }
    return true;
  };
  for (const line of log!.select({ timestamps, tailLines, sinceMs })) if (!write(formatLine(line, timestamps))) return;
  if (!follow || log!.ended) {
    res.end();
    return;
  }
  const unsubscribe = log!.subscribe((line: LogLine | "end") => {
    if (line === "end") {
      unsubscribe();
      if (!res.destroyed) res.end();
      return;
    }
    if (!write(formatLine(line, timestamps))) unsubscribe();
  });
  res.on("close", unsubscribe);
}
