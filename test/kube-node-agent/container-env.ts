/**
 * A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables):
 * - service env vars: KUBERNETES_SERVICE_HOST/PORT (+ _PORT_HTTPS, KUBERNETES_PORT*) and, with
 *   enableServiceLinks (default true), <SVC>_SERVICE_HOST/PORT… for each Service of the namespace. The kubelet
 *   uses the `kubernetes` Service's ClusterIP; here KUBERNETES_* point at the API server's real host and port, so
 *   an in-cluster client in a container can reach it (ClusterIPs are not routed on this host);
 * - envFrom in order (configMapRef/secretRef, prefix, optional; keys that are not valid names skipped);
 * - env in order: value `$(VAR)`-expanded against what is defined so far, valueFrom configMapKeyRef /
 *   secretKeyRef (optional), fieldRef (metadata.name/namespace/uid, labels/annotations['k'], spec.nodeName,
 *   spec.serviceAccountName, status.podIP(s)/hostIP(s)), resourceFieldRef (limits/requests.cpu|memory|
 *   ephemeral-storage with divisor; an unset limit is the node's allocatable, as the kubelet does);
 * - service env vars are added last, only where the container did not define the name.
 * A missing non-optional ConfigMap/Secret/key is CreateContainerConfigError with the kubelet's message
 * (`configmap "x" not found`, `couldn't find key k in ConfigMap ns/x`).
 */
import type { V1Container, V1Pod, V1Service } from "@kubernetes/client-node";
import { expandKubernetesRefs } from "./expand-kubernetes-refs.ts";
import { parseQuantity } from "./parse-quantity.ts";
import type { PodSources } from "./pod-sources.ts";

export type EnvResult = { ok: true; env: Map<string, string> } | { ok: false; message: string };

export interface EnvContext {
  podIP: string;
  hostIP: string;
  /** The API server's address for KUBERNETES_SERVICE_HOST/PORT. */
  apiHost: string;
  apiPort: number;
  nodeAllocatable: Record<string, string>;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function serviceEnv(services: V1Service[], enableLinks: boolean, ctx: EnvContext): Map<string, string> {
  const env = new Map<string, string>();
  const add = (name: string, host: string, ports: { name?: string; port: number; protocol?: string }[]) => {
    const prefix = name.toUpperCase().replace(/-/g, "_");
    const [first] = ports;
    if (!first) return;
    env.set(`${prefix}_SERVICE_HOST`, host);
    env.set(`${prefix}_SERVICE_PORT`, String(first.port));
    for (const p of ports) if (p.name) env.set(`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, "_")}`, String(p.port));
    env.set(`${prefix}_PORT`, `${(first.protocol ?? "TCP").toLowerCase()}://${host}:${first.port}`);
    for (const p of ports) {
      const protocol = p.protocol ?? "TCP";
      const base = `${prefix}_PORT_${p.port}_${protocol}`;
      env.set(base, `${protocol.toLowerCase()}://${host}:${p.port}`);
      env.set(`${base}_PROTO`, protocol.toLowerCase());
      env.set(`${base}_PORT`, String(p.port));
      env.set(`${base}_ADDR`, host);
    }
  };
  if (enableLinks) {
    for (const svc of services) {
      const ip = svc.spec?.clusterIP;
      if (!ip || ip === "None") continue;
      add(svc.metadata!.name!, ip, (svc.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })));
    }
  }
  add("kubernetes", ctx.apiHost, [{ name: "https", port: ctx.apiPort, protocol: "TCP" }]);
  return env;
}

function fieldValue(pod: V1Pod, path: string, ctx: EnvContext): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? "";
  const known: Record<string, string | undefined> = {
    "metadata.name": pod.metadata?.name,
    "metadata.namespace": pod.metadata?.namespace,
    "metadata.uid": pod.metadata?.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.hostIP": ctx.hostIP,
    "status.hostIPs": ctx.hostIP,
    "status.podIP": ctx.podIP,
    "status.podIPs": ctx.podIP,
  };
  return known[path] ?? "";
}

/** resourceFieldRef: the value in units of divisor, rounded up (cpu) as the kubelet's ExtractContainerResourceValue does. */
export function resourceValue(pod: V1Pod, container: V1Container, ref: { containerName?: string; resource: string; divisor?: string }, allocatable: Record<string, string>): string {
  const c = ref.containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === ref.containerName) ?? container : container;
  const [kind, resource = ""] = ref.resource.split(".", 2) as [string, string];
  const set = kind === "limits" ? c.resources?.limits : c.resources?.requests;
  const raw = set?.[resource] ?? (kind === "limits" ? allocatable[resource] : undefined) ?? "0";
  const divisor = parseQuantity(ref.divisor ?? "1") || 1;
  const v = parseQuantity(String(raw)) / divisor;
  return String(Math.ceil(v));
}

function decode(data: Record<string, string> | undefined, key: string): string | undefined {
  const v = data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

export async function containerEnv(sources: PodSources, pod: V1Pod, container: V1Container, ctx: EnvContext): Promise<EnvResult> {
  const ns = pod.metadata!.namespace!;
  const services = await sources.services(ns);
  const svcEnv = serviceEnv(services, pod.spec?.enableServiceLinks !== false, ctx);
  const env = new Map<string, string>();
  const lookup = (n: string) => env.get(n) ?? svcEnv.get(n);
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const cm = await sources.configMap(ns, from.configMapRef.name!);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        return { ok: false, message: `configmap "${from.configMapRef.name}" not found` };
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = await sources.secret(ns, from.secretRef.name!);
      if (!s) {
        if (from.secretRef.optional) continue;
        return { ok: false, message: `secret "${from.secretRef.name}" not found` };
      }
      for (const k of Object.keys(s.data ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, decode(s.data, k)!);
    }
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom;
    if (!ref) {
      env.set(e.name, expandKubernetesRefs(e.value ?? "", lookup));
      continue;
    }
    if (ref.configMapKeyRef) {
      const { name = "", key, optional } = ref.configMapKeyRef;
      const cm = await sources.configMap(ns, name);
      const value = cm?.data?.[key];
      if (value === undefined) {
        if (optional) continue;
        return { ok: false, message: cm ? `couldn't find key ${key} in ConfigMap ${ns}/${name}` : `configmap "${name}" not found` };
      }
      env.set(e.name, value);
    } else if (ref.secretKeyRef) {
      const { name = "", key, optional } = ref.secretKeyRef;
      const s = await sources.secret(ns, name);
      const value = s ? decode(s.data, key) : undefined;
      if (value === undefined) {
        if (optional) continue;
        return { ok: false, message: s ? `couldn't find key ${key} in Secret ${ns}/${name}` : `secret "${name}" not found` };
      }
      env.set(e.name, value);
    } else if (ref.fieldRef) {
      env.set(e.name, fieldValue(pod, ref.fieldRef.fieldPath, ctx));
    } else if (ref.resourceFieldRef) {
      env.set(e.name, resourceValue(pod, container, { ...ref.resourceFieldRef, divisor: ref.resourceFieldRef.divisor as string | undefined }, ctx.nodeAllocatable));
    }
  }
  for (const [k, v] of svcEnv) if (!env.has(k)) env.set(k, v);
  return { ok: true, env };
}
