/**
 * Write-time checks, in the API server's order and words: decoding (unknown fields per `fieldValidation`,
 * wrong JSON types → 400 BadRequest), then validation (422 Invalid with one cause per field). The schema
 * layers are test/k8s/kube-schema.ts's (client-node's models for unknown fields) and kubernetes-models' ajv
 * schemas; the semantic rules are the few the runner can trip over (names, labels, images, restartPolicy,
 * selectors, immutable Job templates, ConfigMap/Secret size and keys). PodMonitor is checked with
 * test/k8s/pod-monitor-shape.ts.
 */
import { isDeepStrictEqual } from "node:util";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ReplicaSet } from "kubernetes-models/apps/v1/ReplicaSet";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { unknownFields } from "../../src/k8s/kube-schema.ts";
import { podMonitorSchema } from "../k8s/pod-monitor-shape.ts";
import type { Manifest } from "../../src/k8s/load-manifests.ts";
import { badRequest, invalid, type StatusCause } from "./api-status.ts";
import { matchesSelector, type LabelSelectorObject } from "./label-selector.ts";
import type { KubeObject } from "./object-store.ts";
import type { ResourceInfo } from "./resource-table.ts";

interface ModelClass {
  new (data: never): { validate(): void };
}

const MODELS: Record<string, ModelClass> = {
  Deployment: Deployment as unknown as ModelClass,
  ReplicaSet: ReplicaSet as unknown as ModelClass,
  Job: Job as unknown as ModelClass,
  ClusterRole: ClusterRole as unknown as ModelClass,
  Role: Role as unknown as ModelClass,
  RoleBinding: RoleBinding as unknown as ModelClass,
  ConfigMap: ConfigMap as unknown as ModelClass,
  Namespace: Namespace as unknown as ModelClass,
  Pod: Pod as unknown as ModelClass,
  Secret: Secret as unknown as ModelClass,
  Service: Service as unknown as ModelClass,
  ServiceAccount: ServiceAccount as unknown as ModelClass,
};

export type FieldValidation = "Strict" | "Warn" | "Ignore";

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
export function fieldPath(pointer: string): string {
  return pointer
    .split("/")
    .filter((p) => p !== "")
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === "" ? part : `${acc}.${part}`), "");
}

function pathTokens(path: string): (string | number)[] {
  const tokens: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) tokens.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return tokens;
}

function prune(obj: unknown, path: string): void {
  const tokens = pathTokens(path);
  let node: unknown = obj;
  for (const t of tokens.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[t];
  if (node && typeof node === "object") delete (node as Record<string | number, unknown>)[tokens[tokens.length - 1]!];
}

function valueAt(obj: unknown, pointer: string): unknown {
  let node = obj;
  for (const part of pointer.split("/").filter((p) => p !== "")) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

function goValue(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v);
}

function jsonTypeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v;
}

/** Step 1, decoding: unknown fields (per fieldValidation) and wrong JSON types. Returns the warnings. */
export function decodeChecks(res: ResourceInfo, o: KubeObject, fieldValidation: FieldValidation): string[] {
  const version = res.version;
  const cannotHandle = `${res.kind} in version "${version}" cannot be handled as a ${res.kind}`;
  const warnings: string[] = [];
  if (MODELS[res.kind]) {
    const unknown = unknownFields(o as Manifest).filter((p) => !p.startsWith("(no client-node model"));
    if (unknown.length > 0) {
      if (fieldValidation === "Strict") throw badRequest(`${cannotHandle}: strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(", ")}`);
      for (const p of unknown) {
        if (fieldValidation === "Warn") warnings.push(`unknown field "${p}"`);
        prune(o, p);
      }
    }
    const typeErrors = schemaErrors(o).filter((e) => e.keyword === "type" || e.keyword === "format");
    const [first] = typeErrors;
    if (first) {
      const path = fieldPath(first.instancePath);
      const expected = first.keyword === "type" ? String(first.params.type) : String(first.params.format);
      throw badRequest(`${cannotHandle}: json: cannot unmarshal ${jsonTypeOf(valueAt(o, first.instancePath))} into Go struct field ${res.kind}.${path} of type ${expected}`);
    }
  }
  return warnings;
}

function schemaErrors(o: KubeObject): AjvError[] {
  const Model = MODELS[o.kind];
  if (!Model) return [];
  try {
    new Model(structuredClone(o) as never).validate();
    return [];
  } catch (err) {
    return ((err as { errors?: AjvError[] }).errors ?? []) as AjvError[];
  }
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035 = /^(?=.{1,63}$)[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?=.{0,63}$)([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS_1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const LABEL_NAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const MAX_CONFIG_BYTES = 1024 * 1024;

function required(field: string, detail?: string): StatusCause {
  return { reason: "FieldValueRequired", message: detail ? `Required value: ${detail}` : "Required value", field };
}

function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${goValue(value)}: ${detail}`, field };
}

function labelCauses(labels: Record<string, unknown> | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    const name = k.slice(k.lastIndexOf("/") + 1);
    const prefix = k.includes("/") ? k.slice(0, k.lastIndexOf("/")) : undefined;
    if (!LABEL_NAME.test(name) || (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix))) causes.push(invalidValue(field, k, LABEL_NAME_MSG));
    if (typeof v !== "string" || !LABEL_VALUE.test(v)) causes.push(invalidValue(`${field}`, v, LABEL_VALUE_MSG));
  }
  return causes;
}

type Obj = Record<string, unknown>;

function containerCauses(podSpec: Obj | undefined, base: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const containers = (podSpec?.containers as Obj[] | undefined) ?? [];
  if (containers.length === 0) causes.push(required(`${base}.containers`));
  containers.forEach((c, i) => {
    if (typeof c.image !== "string" || c.image.trim() === "") causes.push(required(`${base}.containers[${i}].image`));
  });
  return causes;
}

function schemaCauses(o: KubeObject): StatusCause[] {
  return schemaErrors(o)
    .filter((e) => e.keyword !== "type" && e.keyword !== "format")
    .map((e) => {
      if (e.keyword === "required") {
        const parent = fieldPath(e.instancePath);
        return required(parent === "" ? String(e.params.missingProperty) : `${parent}.${String(e.params.missingProperty)}`);
      }
      const field = fieldPath(e.instancePath);
      const value = valueAt(o, e.instancePath);
      if (e.keyword === "enum") {
        const allowed = (e.params.allowedValues as unknown[]).map(goValue).join(", ");
        return { reason: "FieldValueNotSupported", message: `Unsupported value: ${goValue(value)}: supported values: ${allowed}`, field };
      }
      return invalidValue(field, value, e.message ?? e.keyword);
    });
}

/** Step 2, validation: 422 Invalid with every cause found. `old` is the stored object on an update. */
export function validateObject(res: ResourceInfo, o: KubeObject, old?: KubeObject): void {
  const name = o.metadata.name;
  const causes: StatusCause[] = [];
  if (!name) causes.push(required("metadata.name", "name or generateName is required"));
  else if (res.kind === "Service" ? !DNS_1035.test(name) : !DNS_SUBDOMAIN.test(name)) causes.push(invalidValue("metadata.name", name, res.kind === "Service" ? DNS_1035_MSG : SUBDOMAIN_MSG));
  causes.push(...labelCauses(o.metadata.labels, "metadata.labels"));
  if (res.kind === "PodMonitor") causes.push(...podMonitorCauses(o));
  else causes.push(...schemaCauses(o));
  const spec = o.spec as Obj | undefined;
  const template = spec?.template as { metadata?: { labels?: Record<string, string> }; spec?: Obj } | undefined;
  switch (res.kind) {
    case "Pod":
      causes.push(...containerCauses(spec, "spec"));
      break;
    case "Deployment":
    case "ReplicaSet": {
      causes.push(...labelCauses(template?.metadata?.labels, "spec.template.metadata.labels"));
      causes.push(...containerCauses(template?.spec, "spec.template.spec"));
      const selector = spec?.selector as LabelSelectorObject | undefined;
      if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) causes.push(required("spec.selector"));
      else if (!matchesSelector(template?.metadata?.labels, selector)) {
        causes.push(invalidValue("spec.template.metadata.labels", template?.metadata?.labels ?? {}, "`selector` does not match template `labels`"));
      }
      if (old && !isDeepStrictEqual((old.spec as Obj).selector, spec?.selector)) causes.push(invalidValue("spec.selector", spec?.selector, "field is immutable"));
      break;
    }
    case "Job": {
      causes.push(...containerCauses(template?.spec, "spec.template.spec"));
      const policy = template?.spec?.restartPolicy;
      if (policy !== "Never" && policy !== "OnFailure") {
        causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: ${goValue(policy)}: supported values: "OnFailure", "Never"`, field: "spec.template.spec.restartPolicy" });
      }
      if (old) {
        const oldSpec = old.spec as Obj;
        if (!isDeepStrictEqual(oldSpec.template, spec?.template)) causes.push(invalidValue("spec.template", "core.PodTemplateSpec{...}", "field is immutable"));
        if (!isDeepStrictEqual(oldSpec.selector, spec?.selector)) causes.push(invalidValue("spec.selector", spec?.selector, "field is immutable"));
        if (oldSpec.completions !== spec?.completions) causes.push(invalidValue("spec.completions", spec?.completions, "field is immutable"));
      }
      break;
    }
    case "ConfigMap":
    case "Secret": {
      let bytes = 0;
      for (const field of ["data", "binaryData"]) {
        for (const [k, v] of Object.entries((o[field] as Obj | undefined) ?? {})) {
          if (!CONFIG_KEY.test(k)) causes.push(invalidValue(`${field}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
          bytes += k.length + (res.kind === "Secret" || field === "binaryData" ? Buffer.from(String(v), "base64").length : Buffer.byteLength(String(v)));
        }
      }
      if (bytes > MAX_CONFIG_BYTES) causes.push({ reason: "FieldValueTooLong", message: `Too long: must have at most ${MAX_CONFIG_BYTES} bytes`, field: res.kind === "Secret" ? "data" : "[]" });
      break;
    }
  }
  if (causes.length > 0) throw invalid(res.kind, res.group, name, causes);
}

function podMonitorCauses(o: KubeObject): StatusCause[] {
  const { name, namespace, labels, annotations } = o.metadata;
  const shape = { ...o, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
  delete (shape as Obj).status;
  const result = podMonitorSchema.safeParse(shape);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = issue.path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc === "" ? String(p) : `${acc}.${String(p)}`), "");
    return { reason: "FieldValueInvalid", message: `Invalid value: ${issue.message}`, field };
  });
}
