/**
 * What admission says, surfaced at once instead of waited out (research/real-cluster-review.md H2):
 * - writes go through the raw API so the API server's `Warning` headers (PodSecurity's "would violate …" on a
 *   Deployment or Job whose pods a `warn`-labelled namespace will refuse, deprecations) reach the user;
 * - a controller that cannot create a pod (PodSecurity `enforce`, a ResourceQuota, a LimitRange, a policy
 *   webhook) leaves only a `FailedCreate` event on its ReplicaSet or Job and a `ReplicaFailure` condition on the
 *   Deployment: `podCreationRefusal` finds it, and `describeRefusal` names the admission step and the fix.
 */
import type { CoreV1Event, V1Deployment } from "@kubernetes/client-node";
import { EnvironmentError } from "../errors.ts";
import { describeKubeError } from "./kube-errors.ts";
import type { Kube } from "./kube-client.ts";
import type { Manifest } from "./load-manifests.ts";

export interface WriteResult<T> {
  object: T;
  /** The API server's warnings (RFC 7234 `Warning: 299 - "text"` headers), as text. */
  warnings: string[];
}

/** `299 - "text"` (one header may carry several, comma-separated) → the texts. */
export function parseWarningHeaders(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
    let matched = false;
    for (let m = re.exec(value); m; m = re.exec(value)) {
      matched = true;
      out.push(m[1]!.replace(/\\(.)/g, "$1"));
    }
    if (!matched && value.trim()) out.push(value.trim());
  }
  return out;
}

async function send<T>(kube: Kube, method: string, path: string, body: unknown, contentType: string, what: string): Promise<WriteResult<T>> {
  const res = await kube.request(path, {
    method,
    headers: { "content-type": contentType, accept: "application/json" },
    body: Buffer.from(JSON.stringify(body)),
    signal: AbortSignal.timeout(60_000),
    anyStatus: true,
  });
  let text = "";
  res.setEncoding("utf8");
  for await (const chunk of res) text += chunk as string;
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw describeKubeError({ code: status, body: text }, what, kube);
  const raw = res.headers.warning;
  const warnings = parseWarningHeaders(raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]);
  return { object: JSON.parse(text) as T, warnings };
}

/** The collection path of a namespaced object of the core, apps, batch or any named group. */
export function objectPath(m: Pick<Manifest, "apiVersion" | "kind" | "metadata">, namespace: string, plural: string): string {
  const base = m.apiVersion.includes("/") ? `/apis/${m.apiVersion}` : `/api/${m.apiVersion}`;
  return `${base}/namespaces/${namespace}/${plural}`;
}

const PLURALS: Record<string, string> = { Deployment: "deployments", Service: "services", Job: "jobs", ConfigMap: "configmaps", PodMonitor: "podmonitors", Secret: "secrets" };

function pluralOf(kind: string): string {
  return PLURALS[kind] ?? `${kind.toLowerCase()}s`;
}

/**
 * Server-side apply, as `kubectl apply --server-side --field-manager=kneepoint --force-conflicts --validate=strict`:
 * the API server refuses a field its own schema does not know (kube-schema.ts leaves those to it).
 */
export function applyObject<T = Manifest>(kube: Kube, m: Manifest, what: string): Promise<WriteResult<T>> {
  const path = `${objectPath(m, kube.namespace, pluralOf(m.kind))}/${encodeURIComponent(m.metadata.name)}?fieldManager=kneepoint&force=true&fieldValidation=Strict`;
  return send<T>(kube, "PATCH", path, { ...m, metadata: { ...m.metadata, namespace: kube.namespace } }, "application/apply-patch+yaml", what);
}

/** Create (POST), keeping the warnings; fields checked strictly by the API server, as in applyObject. */
export function createObject<T = Manifest>(kube: Kube, m: Manifest, what: string): Promise<WriteResult<T>> {
  return send<T>(kube, "POST", `${objectPath(m, kube.namespace, pluralOf(m.kind))}?fieldValidation=Strict`, { ...m, metadata: { ...m.metadata, namespace: kube.namespace } }, "application/json", what);
}

export interface Refusal {
  /** Which admission step refused the pod, in words: "Pod Security", "a ResourceQuota", … */
  by: string;
  /** The API server's message, e.g. `pods "vllm-5d…" is forbidden: violates PodSecurity "restricted:latest": …`. */
  message: string;
}

/** Classifies an admission message (FailedCreate event or ReplicaFailure condition). */
export function classifyRefusal(message: string): Refusal {
  const by = /violates PodSecurity/.test(message)
    ? "Pod Security admission"
    : /exceeded quota|must specify (limits|requests)/.test(message)
      ? "a ResourceQuota"
      : /(maximum|minimum) .* usage per (Container|Pod)|LimitRange/.test(message)
        ? "a LimitRange"
        : /admission webhook|denied the request|ValidatingAdmissionPolicy/.test(message)
          ? "an admission webhook or policy"
          : "admission";
  return { by, message: message.replace(/\s+/g, " ").trim() };
}

/** The error for a refused pod: the step, the API server's words, and what to change. */
export function describeRefusal(refusal: Refusal, owner: string, namespace: string): EnvironmentError {
  const hint =
    refusal.by === "Pod Security admission"
      ? `the namespace ${namespace} enforces a Pod Security level the pod does not meet (kubectl get ns ${namespace} --show-labels); ` +
        "deploy/vllm and the bench Job meet \"restricted\" as shipped, so a securityContext changed in values or a sidecar injected by a webhook is the likely cause, " +
        `or run elsewhere: NAMESPACE=<a namespace at baseline>`
      : refusal.by === "a ResourceQuota"
        ? `the namespace's quota does not allow the pod: kubectl -n ${namespace} describe resourcequota; ask for more (e.g. requests.nvidia.com/gpu), lower the request in deploy/vllm/values.yaml, or use another NAMESPACE`
        : refusal.by === "a LimitRange"
          ? `the namespace's LimitRange bounds each container: kubectl -n ${namespace} describe limitrange; fit resources in deploy/vllm/values.yaml to it`
          : `kubectl -n ${namespace} get events --field-selector reason=FailedCreate`;
  return new EnvironmentError(`${owner}'s pod was refused by ${refusal.by}: ${refusal.message}`, hint);
}

/** The newest FailedCreate event on an object (a Job or a ReplicaSet), or null. Needs `events` list; none without. */
export async function failedCreateEvent(kube: Kube, kind: string, name: string): Promise<Refusal | null> {
  let items: CoreV1Event[];
  try {
    items = (await kube.core.listNamespacedEvent({ namespace: kube.namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name},reason=FailedCreate` })).items;
  } catch {
    return null;
  }
  const time = (e: CoreV1Event) => new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();
  const newest = items.sort((a, b) => time(b) - time(a))[0];
  return newest?.message ? classifyRefusal(newest.message) : null;
}

/** A Deployment whose ReplicaSet cannot create pods: its `ReplicaFailure` condition, else the ReplicaSets' events. */
export async function deploymentRefusal(kube: Kube, name: string): Promise<Refusal | null> {
  let d: V1Deployment;
  try {
    d = await kube.apps.readNamespacedDeployment({ name, namespace: kube.namespace });
  } catch {
    return null;
  }
  const failure = d.status?.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (failure?.message) return classifyRefusal(failure.message);
  try {
    const match = d.spec?.selector?.matchLabels ?? {};
    const labelSelector = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(",");
    const sets = await kube.apps.listNamespacedReplicaSet({ namespace: kube.namespace, ...(labelSelector ? { labelSelector } : {}) });
    for (const rs of sets.items.filter((r) => r.metadata?.ownerReferences?.some((o) => o.kind === "Deployment" && o.name === name))) {
      const refusal = await failedCreateEvent(kube, "ReplicaSet", rs.metadata!.name!);
      if (refusal) return refusal;
    }
  } catch {
    // May not list ReplicaSets: the condition above is the Deployment controller's own summary anyway.
  }
  return null;
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/** The leaf paths of a managedFields `fieldsV1` set, readable: `spec.template.spec.containers[name=vllm].env[name=X]`. */
export function fieldPaths(fields: unknown, prefix = ""): string[] {
  if (fields === null || typeof fields !== "object") return [];
  const out: string[] = [];
  const entries = Object.entries(fields as Record<string, unknown>).filter(([k]) => k !== ".");
  if (entries.length === 0) return prefix ? [prefix] : [];
  for (const [key, value] of entries) {
    let part: string;
    if (key.startsWith("f:")) part = `${prefix ? "." : ""}${key.slice(2)}`;
    else if (key.startsWith("k:")) {
      try {
        part = `[${Object.entries(JSON.parse(key.slice(2)) as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(",")}]`;
      } catch {
        part = `[${key.slice(2)}]`;
      }
    } else if (key.startsWith("v:")) part = `[${key.slice(2)}]`;
    else part = `[${key}]`;
    out.push(...fieldPaths(value, prefix + part));
  }
  return out;
}

/**
 * Fields of an applied object that another field manager set and kneepoint's apply does not (someone's `kubectl
 * edit`, `kubectl set env`, an earlier client-side `kubectl apply`): server-side apply keeps them, so the server is
 * not what values.yaml says. Controllers' own writes (status, the Deployment controller's revision annotation) are
 * left out. Returns manager → paths.
 */
export function foreignFields(managedFields: readonly ManagedFieldsEntry[] | undefined, self = "kneepoint"): Map<string, string[]> {
  const entries = managedFields ?? [];
  const own = new Set(entries.filter((e) => e.manager === self).flatMap((e) => fieldPaths(e.fieldsV1)));
  const out = new Map<string, string[]>();
  for (const e of entries) {
    if (e.manager === self || e.subresource === "status" || !e.manager) continue;
    if (e.manager === "kube-controller-manager") continue;
    const leaves = fieldPaths(e.fieldsV1).filter((p) => !own.has(p) && !/^metadata\.(annotations\.deployment\.kubernetes\.io|resourceVersion|generation)/.test(p));
    // Said by the list item they belong to (`env[name=X]`, not its `.name` and `.value`).
    const paths = [...new Set(leaves.map((p) => (p.includes("]") ? p.slice(0, p.lastIndexOf("]") + 1) : p)))];
    if (paths.length) out.set(e.manager, [...(out.get(e.manager) ?? []), ...paths]);
  }
  return out;
}
