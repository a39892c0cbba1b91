/** GET, LIST, POST, PUT, PATCH and DELETE of a resource, answered as the API server answers them. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, conflict, notFound, ApiStatusError } from "./api-status.ts";
import type { Cluster } from "./cluster.ts";
import { deleteObject, type PropagationPolicy } from "./delete-object.ts";
import { matchesFields, parseFieldSelector } from "./field-selector.ts";
import { mediaType, parseBody, readBody, sendJson } from "./http-io.ts";
import { jsonPatch, mergePatch } from "./json-patch.ts";
import { matchesRequirements, parseLabelSelector } from "./label-selector.ts";
import type { KubeObject } from "./object-store.ts";
import { apiVersionOf, type ResourceInfo } from "./resource-table.ts";
import type { FieldValidation } from "./validate-object.ts";
import { asObject, createObject, requireNamespace, updateObject, type WriteOptions } from "./write-object.ts";

export interface ResourceRequest {
  res: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
}

export function objectFilter(res: ResourceInfo, query: URLSearchParams): (o: KubeObject) => boolean {
  const labels = parseLabelSelector(query.get("labelSelector") ?? "");
  const fields = parseFieldSelector(query.get("fieldSelector") ?? "", res.kind);
  return (o) => matchesRequirements(o.metadata.labels, labels) && matchesFields(o as unknown as Record<string, unknown>, fields);
}

function writeOptions(query: URLSearchParams): WriteOptions {
  const v = query.get("fieldValidation") ?? "Warn";
  if (v !== "Strict" && v !== "Warn" && v !== "Ignore") throw badRequest(`fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`);
  const dryRun = query.getAll("dryRun");
  if (dryRun.some((d) => d !== "All")) throw badRequest(`dryRun: Unsupported value: "${dryRun[0]}": supported values: "All"`);
  return { fieldValidation: v as FieldValidation, dryRun: dryRun.length > 0 };
}

export function handleGet(c: Cluster, r: ResourceRequest, res: ServerResponse): void {
  const obj = c.store.get(r.res, r.namespace, r.name!);
  if (!obj) throw notFound(r.res, r.name!);
  sendJson(res, 200, obj);
}

export function handleList(c: Cluster, r: ResourceRequest, res: ServerResponse): void {
  const keep = objectFilter(r.res, r.query);
  let items = c.store.list(r.res, r.namespace).filter(keep);
  const metadata: Record<string, unknown> = { resourceVersion: String(c.store.resourceVersion) };
  const start = r.query.get("continue");
  if (start) {
    const after = JSON.parse(Buffer.from(start, "base64").toString("utf8")) as { start: string };
    items = items.filter((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}` > after.start);
  }
  const limit = Number(r.query.get("limit") ?? 0);
  if (limit > 0 && items.length > limit) {
    const last = items[limit - 1]!;
    metadata.continue = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: c.store.resourceVersion, start: `${last.metadata.namespace ?? ""}/${last.metadata.name}` })).toString("base64");
    metadata.remainingItemCount = items.length - limit;
    items = items.slice(0, limit);
  }
  // Items of a list carry no apiVersion/kind, as the real server sends them.
  const bare = items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  sendJson(res, 200, { kind: `${r.res.kind}List`, apiVersion: apiVersionOf(r.res), metadata, items: bare });
}

export async function handleCreate(c: Cluster, r: ResourceRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(await readBody(req), mediaType(req));
  const o = asObject(r.res, body, r.namespace);
  const result = createObject(c, r.res, o, writeOptions(r.query));
  sendJson(res, 201, result.object, result.warnings);
}

export async function handleUpdate(c: Cluster, r: ResourceRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(await readBody(req), mediaType(req));
  const o = asObject(r.res, body, r.namespace);
  if (o.metadata.name !== r.name) throw badRequest(`the name of the object (${o.metadata.name ?? ""}) does not match the name on the URL (${r.name})`);
  requireNamespace(c, r.res, r.namespace, false);
  const result = updateObject(c, r.res, o, r.subresource === "status" ? "status" : "main", writeOptions(r.query));
  sendJson(res, 200, result.object, result.warnings);
}

const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

export async function handlePatch(c: Cluster, r: ResourceRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = mediaType(req);
  const crd = r.res.group === "monitoring.coreos.com";
  if (!PATCH_TYPES.includes(type) || (crd && type === "application/strategic-merge-patch+json")) {
    const accepted = PATCH_TYPES.filter((t) => !(crd && t.includes("strategic")));
    throw new ApiStatusError({
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
      message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
      reason: "UnsupportedMediaType", code: 415,
    });
  }
  const body = parseBody(await readBody(req), type);
  const options = writeOptions(r.query);
  const name = r.name!;
  const current = c.store.get(r.res, r.namespace, name);
  if (type === "application/apply-patch+yaml") {
    if (!r.query.get("fieldManager")) throw invalidPatchOptions();
    const o = asObject(r.res, body, r.namespace);
    if (o.metadata.name !== undefined && o.metadata.name !== name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    o.metadata.name = name;
    if (!current) {
      const created = createObject(c, r.res, o, options);
      sendJson(res, 201, created.object, created.warnings);
      return;
    }
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(r.res, name);
    // Apply, simplified: the applied configuration is merged onto the live object (maps merge, lists are
    // replaced, nothing the configuration leaves out is removed); no field ownership, no apply conflicts.
    const merged = mergePatch(r.subresource === "status" ? current : withoutStatus(current), o) as KubeObject;
    merged.metadata.resourceVersion = current.metadata.resourceVersion;
    const updated = updateObject(c, r.res, merged, r.subresource === "status" ? "status" : "main", options);
    sendJson(res, 200, updated.object, updated.warnings);
    return;
  }
  if (!current) throw notFound(r.res, name);
  const patched = (type === "application/json-patch+json" ? jsonPatch(current, body) : mergePatch(current, body)) as KubeObject;
  if (patched.metadata?.name !== name) throw badRequest(`the name of the object (${patched.metadata?.name ?? ""}) does not match the name on the URL (${name})`);
  if (patched.metadata.resourceVersion && patched.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(r.res, name);
  patched.metadata.resourceVersion = current.metadata.resourceVersion;
  const updated = updateObject(c, r.res, patched, r.subresource === "status" ? "status" : "main", options);
  sendJson(res, 200, updated.object, updated.warnings);
}

function withoutStatus(o: KubeObject): KubeObject {
  const { status: _s, ...rest } = o;
  return rest as KubeObject;
}

function invalidPatchOptions(): ApiStatusError {
  return new ApiStatusError({
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
    message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    reason: "Invalid",
    details: { group: "meta.k8s.io", kind: "PatchOptions", causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }] },
    code: 422,
  });
}

async function deleteOptionsOf(req: IncomingMessage, query: URLSearchParams) {
  const body = (parseBody(await readBody(req), "application/json") ?? {}) as {
    propagationPolicy?: string; gracePeriodSeconds?: number; orphanDependents?: boolean; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[];
  };
  let policy = (query.get("propagationPolicy") ?? body.propagationPolicy) as PropagationPolicy | undefined;
  const orphan = query.get("orphanDependents") ?? (body.orphanDependents === undefined ? undefined : String(body.orphanDependents));
  if (policy !== undefined && !["Foreground", "Background", "Orphan"].includes(policy)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (policy === undefined && orphan !== undefined) policy = orphan === "true" ? "Orphan" : "Background";
  const grace = query.get("gracePeriodSeconds") ?? (body.gracePeriodSeconds === undefined ? undefined : String(body.gracePeriodSeconds));
  return { propagationPolicy: policy, gracePeriodSeconds: grace === undefined ? undefined : Number(grace), preconditions: body.preconditions };
}

export async function handleDelete(c: Cluster, r: ResourceRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const options = await deleteOptionsOf(req, r.query);
  if (r.name === undefined) {
    const keep = objectFilter(r.res, r.query);
    const items = c.store.list(r.res, r.namespace).filter(keep).map((o) => deleteObject(c, r.res, o.metadata.namespace, o.metadata.name, options).object);
    sendJson(res, 200, { kind: `${r.res.kind}List`, apiVersion: apiVersionOf(r.res), metadata: { resourceVersion: String(c.store.resourceVersion) }, items });
    return;
  }
  const outcome = deleteObject(c, r.res, r.namespace, r.name, options);
  if (outcome.removed && !r.res.returnsDeletedObject) {
    const details: Record<string, string> = { name: r.name };
    if (r.res.group !== "") details.group = r.res.group;
    details.kind = r.res.plural;
    details.uid = outcome.object.metadata.uid!;
    sendJson(res, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details }, outcome.warnings);
    return;
  }
  sendJson(res, 200, outcome.object, outcome.warnings);
}
