/**
 * The write path shared by POST, PUT and PATCH (and the test helpers that seed objects): body checks,
 * defaulting, decoding checks, validation, then the store. Throws ApiStatusError with the server's words.
 */
import { randomUUID } from "node:crypto";
import { badRequest, forbiddenMessage, notFound, qualifiedName } from "./api-status.ts";
import { randomSuffix, type Cluster } from "./cluster.ts";
import { applyDefaults, generateJobSelector } from "./object-defaults.ts";
import { timestamp, type KubeObject } from "./object-store.ts";
import { apiVersionOf, type ResourceInfo } from "./resource-table.ts";
import { decodeChecks, validateObject, type FieldValidation } from "./validate-object.ts";

export interface WriteOptions {
  fieldValidation: FieldValidation;
  dryRun: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

let clusterIpCounter = 0;
function allocateClusterIp(): string {
  clusterIpCounter += 1;
  return `10.96.${Math.floor(clusterIpCounter / 250) % 250}.${(clusterIpCounter % 250) + 2}`;
}

export function isCustomResource(res: ResourceInfo): boolean {
  return res.group.includes(".") && !res.group.endsWith(".k8s.io");
}

/** The body as an object of this resource, in this namespace (the URL's). */
export function asObject(res: ResourceInfo, body: unknown, namespace: string | undefined): KubeObject {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("Object 'Kind' is missing in the request body");
  const o = structuredClone(body) as KubeObject;
  // A built-in type's endpoint fills in a missing kind/apiVersion; a custom resource's (unstructured) does not.
  if (typeof o.kind !== "string" || o.kind === "") {
    if (isCustomResource(res)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    o.kind = res.kind;
  }
  if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(res)) {
    throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersionOf(res)})`);
  }
  if (o.kind !== res.kind) throw badRequest(`${o.kind} in version "${res.version}" cannot be handled as a ${res.kind}: the kind in the data does not match`);
  o.apiVersion = apiVersionOf(res);
  o.metadata = (typeof o.metadata === "object" && o.metadata !== null ? o.metadata : {}) as KubeObject["metadata"];
  if (res.namespaced) {
    if (o.metadata.namespace !== undefined && o.metadata.namespace !== "" && namespace !== undefined && o.metadata.namespace !== namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    o.metadata.namespace = namespace ?? o.metadata.namespace;
  }
  delete o.metadata.managedFields;
  return o;
}

export function requireNamespace(c: Cluster, res: ResourceInfo, namespace: string | undefined, forCreate: boolean, name = ""): void {
  if (!res.namespaced || namespace === undefined) return;
  const ns = c.store.get(c.res("Namespace"), undefined, namespace);
  if (!ns) throw notFound({ group: "", plural: "namespaces" }, namespace);
  if (forCreate && ns.metadata.deletionTimestamp !== undefined) {
    throw forbiddenMessage(`${qualifiedName(res)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, res, name);
  }
}

export function createObject(c: Cluster, res: ResourceInfo, input: KubeObject, options: WriteOptions): WriteResult {
  const o = structuredClone(input);
  if (o.metadata.resourceVersion !== undefined && o.metadata.resourceVersion !== "") throw badRequest("resourceVersion should not be set on objects to be created");
  if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${randomSuffix(c)}`;
  requireNamespace(c, res, o.metadata.namespace, true, o.metadata.name);
  for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"]) delete o.metadata[k];
  if (res.subresources.includes("status") && res.kind !== "Namespace" && res.kind !== "Service") delete o.status;
  const warnings = decodeChecks(res, o, options.fieldValidation);
  o.metadata.uid = randomUUID();
  applyDefaults(o, allocateClusterIp);
  if (res.kind === "Job") generateJobSelector(o);
  if (res.kind === "Pod") o.status = { phase: "Pending", qosClass: qosClass(o) };
  validateObject(res, o);
  if (options.dryRun) return { object: { ...o, metadata: { ...o.metadata, creationTimestamp: timestamp(c.now()) } }, warnings };
  return { object: c.store.create(res, o), warnings };
}

/** PUT and PATCH: `input` is the whole new object; `part` says which part the request may change. */
export function updateObject(c: Cluster, res: ResourceInfo, input: KubeObject, part: "main" | "status", options: WriteOptions): WriteResult {
  const old = c.store.get(res, input.metadata.namespace, input.metadata.name);
  if (!old) throw notFound(res, input.metadata.name);
  const o = structuredClone(input);
  const warnings = decodeChecks(res, o, options.fieldValidation);
  if (part === "main") {
    applyDefaults(o, () => String((old.spec as { clusterIP?: string } | undefined)?.clusterIP ?? allocateClusterIp()));
    validateObject(res, o, old);
  }
  if (options.dryRun) return { object: o, warnings };
  return { object: c.store.update(res, o, { part }), warnings };
}

function qosClass(pod: KubeObject): string {
  const containers = ((pod.spec as { containers?: { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }[] }).containers ?? []);
  const all = containers.map((c) => c.resources ?? {});
  if (all.every((r) => Object.keys(r.requests ?? {}).length === 0 && Object.keys(r.limits ?? {}).length === 0)) return "BestEffort";
  const guaranteed = all.every((r) => ["cpu", "memory"].every((k) => r.limits?.[k] !== undefined && String(r.limits[k]) === String(r.requests?.[k] ?? r.limits[k])));
  return guaranteed ? "Guaranteed" : "Burstable";
}
