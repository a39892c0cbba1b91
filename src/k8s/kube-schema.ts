/**
 * Validates a manifest against the real Kubernetes schemas, in three layers, because no one library checks
 * everything the API server would:
 * 1. kubernetes-models (generated from the Kubernetes OpenAPI spec, ajv): types, required fields, enums
 *    (imagePullPolicy, restartPolicy, seccomp type, toleration operator, …) and formats (quantities,
 *    int-or-string). It does NOT reject unknown fields: its schemas carry no additionalProperties:false.
 * 2. unknown fields: a walk over @kubernetes/client-node's generated models (attributeTypeMap, OpenAPI
 *    v1.33). A field within two edits of a known one (`imagePulPolicy`, `backofLimit`) is a typo and stops here
 *    with the field it meant. Any other field these v1.33 models do not know may be one a newer cluster has, so
 *    it is left to the API server: every write asks it for `fieldValidation=Strict` (admission.ts), which is what
 *    `kubectl apply --validate=strict` does against the cluster's own schema.
 * 3. metadata syntax: DNS-1123 object names and label keys/values, which neither library checks.
 * CRDs (PodMonitor) are not covered here: see test/k8s/pod-monitor-shape.ts. The runner checks every object
 * it applies with `assertValidManifest`, so a typo in a manifest stops before it reaches the cluster.
 */
import * as k8s from "@kubernetes/client-node";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { Manifest } from "./load-manifests.ts";
import { UsageError } from "../errors.ts";

interface ModelClass {
  new (data: never): { validate(): void };
}

const MODELS: Record<string, ModelClass> = {
  "apps/v1/Deployment": Deployment as unknown as ModelClass,
  "batch/v1/Job": Job as unknown as ModelClass,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole as unknown as ModelClass,
  "rbac.authorization.k8s.io/v1/Role": Role as unknown as ModelClass,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding as unknown as ModelClass,
  "v1/ConfigMap": ConfigMap as unknown as ModelClass,
  "v1/Secret": Secret as unknown as ModelClass,
  "v1/Service": Service as unknown as ModelClass,
  "v1/ServiceAccount": ServiceAccount as unknown as ModelClass,
};

export function isBuiltInKind(m: Pick<Manifest, "apiVersion" | "kind">): boolean {
  return `${m.apiVersion}/${m.kind}` in MODELS;
}

/** Layer 1: kubernetes-models' `.validate()`; returns its message, or undefined when valid. */
export function schemaError(m: Manifest): string | undefined {
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (!Model) return `no kubernetes-models class for ${m.apiVersion} ${m.kind}`;
  try {
    new Model(structuredClone(m) as never).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

interface Attribute {
  baseName: string;
  type: string;
}

function attributesOf(typeName: string): Attribute[] | undefined {
  const cls = (k8s as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>)[typeName];
  return cls?.attributeTypeMap;
}

/** Layer 2: paths of fields that the Kubernetes OpenAPI schema (as client-node's v1.33 models have it) does not define. */
export function unknownFields(m: Manifest): string[] {
  return unknownFieldDetails(m).map((f) => f.path);
}

export interface UnknownField {
  path: string;
  /** A known field within two edits (case-insensitive): the field a typo meant. */
  didYouMean?: string;
}

export function unknownFieldDetails(m: Manifest): UnknownField[] {
  const version = m.apiVersion.split("/").pop() ?? m.apiVersion;
  const rootType = `${version.charAt(0).toUpperCase()}${version.slice(1)}${m.kind}`;
  if (!attributesOf(rootType)) return [{ path: `(no client-node model ${rootType})` }];
  const found: UnknownField[] = [];
  walk(m, rootType, "", found);
  return found;
}

/** Levenshtein distance, case-insensitive, stopping early past `max`. */
function editDistance(a: string, b: string, max: number): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

function walk(value: unknown, type: string, path: string, found: UnknownField[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1]) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, array[1]!, `${path}[${i}]`, found));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1]) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, map[1], `${path}.${k}`, found);
    return;
  }
  const attributes = attributesOf(type);
  if (!attributes || typeof value !== "object" || Array.isArray(value)) return; // string, number, IntOrString, any
  for (const [key, child] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    const childPath = path ? `${path}.${key}` : key;
    if (!attribute) {
      const near = attributes.map((a) => ({ name: a.baseName, d: editDistance(key, a.baseName, 2) })).filter((c) => c.d <= 2).sort((a, b) => a.d - b.d)[0];
      found.push(near ? { path: childPath, didYouMean: near.name } : { path: childPath });
    } else walk(child, attribute.type, childPath, found);
  }
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?=.{0,63}$)([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function labelErrors(labels: Record<string, unknown> | undefined, where: string): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)) || !LABEL_NAME.test(name)) errors.push(`${where}: bad label key '${key}'`);
    if (typeof value !== "string" || !LABEL_VALUE.test(value)) errors.push(`${where}: bad label value '${String(value)}' of ${key}`);
  }
  return errors;
}

/** Layer 3: object name and every label set (object, pod template, selectors) is valid Kubernetes syntax. */
export function metadataErrors(m: Manifest): string[] {
  // Services need a DNS label (they become a DNS name); most other objects a DNS subdomain.
  const nameRule = m.kind === "Service" ? DNS_LABEL : DNS_SUBDOMAIN;
  const errors = nameRule.test(m.metadata.name) ? [] : [`metadata.name '${m.metadata.name}' is not a valid ${m.kind} name`];
  errors.push(...labelErrors(m.metadata.labels, "metadata.labels"));
  const spec = (m as { spec?: { template?: { metadata?: { labels?: Record<string, unknown> } } } }).spec;
  errors.push(...labelErrors(spec?.template?.metadata?.labels, "spec.template.metadata.labels"));
  return errors;
}

/** All three layers; an empty list means the manifest is valid as far as these checks can tell. */
export function validateManifest(m: Manifest): string[] {
  const errors: string[] = [];
  const schema = schemaError(m);
  if (schema) errors.push(schema);
  // A typo stops here; a field the v1.33 models lack but a newer cluster may know goes to the API server's strict check.
  errors.push(...unknownFieldDetails(m).filter((f) => f.didYouMean || f.path.startsWith("(")).map((f) => `unknown field ${f.path}${f.didYouMean ? ` (did you mean ${f.didYouMean}?)` : ""}`));
  errors.push(...metadataErrors(m));
  return errors;
}

/** Stops before the API server would: a manifest (as patched by the runner) that fails these checks. */
export function assertValidManifest(m: Manifest, source: string): void {
  if (!isBuiltInKind(m)) return;
  const errors = validateManifest(m);
  if (errors.length > 0) {
    throw new UsageError(`${m.kind} ${m.metadata.name} from ${source} is not valid Kubernetes: ${errors.slice(0, 5).join("; ")}`, `fix ${source} (git diff ${source} shows what changed)`);
  }
}
