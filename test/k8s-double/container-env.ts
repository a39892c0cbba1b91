/**
 * A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables): service
 * links first (when enableServiceLinks), then `envFrom` in order (prefix; keys that are not valid variable
 * names skipped), then `env` in order, each value `$(VAR)`-expanded against what is defined so far;
 * valueFrom configMapKeyRef/secretKeyRef/fieldRef. A missing ConfigMap, Secret or key that is not optional
 * is the kubelet's CreateContainerConfigError with its message.
 */
import type { Cluster } from "./cluster.ts";
import { expandKubernetesRefs } from "./expand-kubernetes-refs.ts";
import type { KubeObject } from "./object-store.ts";

type Obj = Record<string, unknown>;

interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
}

interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export type EnvResult = { ok: true; env: Map<string, string> } | { ok: false; message: string };

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function serviceEnv(c: Cluster, pod: KubeObject): Map<string, string> {
  const env = new Map<string, string>();
  const services = c.store.list(c.res("Service"), pod.metadata.namespace);
  const defaults = c.store.list(c.res("Service"), "default").filter((s) => s.metadata.name === "kubernetes");
  const enableLinks = (pod.spec as Obj).enableServiceLinks !== false;
  for (const svc of [...defaults, ...(enableLinks ? services : [])]) {
    const spec = svc.spec as { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
    if (!spec.clusterIP || spec.clusterIP === "None") continue;
    const prefix = svc.metadata.name.toUpperCase().replace(/-/g, "_");
    const [first] = spec.ports ?? [];
    if (!first) continue;
    env.set(`${prefix}_SERVICE_HOST`, spec.clusterIP);
    env.set(`${prefix}_SERVICE_PORT`, String(first.port));
    for (const p of spec.ports ?? []) if (p.name) env.set(`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, "_")}`, String(p.port));
    const proto = (first.protocol ?? "TCP").toLowerCase();
    env.set(`${prefix}_PORT`, `${proto}://${spec.clusterIP}:${first.port}`);
    for (const p of spec.ports ?? []) {
      const protocol = p.protocol ?? "TCP";
      const base = `${prefix}_PORT_${p.port}_${protocol}`;
      env.set(base, `${protocol.toLowerCase()}://${spec.clusterIP}:${p.port}`);
      env.set(`${base}_PROTO`, protocol.toLowerCase());
      env.set(`${base}_PORT`, String(p.port));
      env.set(`${base}_ADDR`, spec.clusterIP);
    }
  }
  return env;
}

function fieldValue(pod: KubeObject, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (pod.metadata[m[1]!] as Record<string, string> | undefined)?.[m[2]!] ?? "";
  const known: Record<string, unknown> = {
    "metadata.name": pod.metadata.name,
    "metadata.namespace": pod.metadata.namespace,
    "metadata.uid": pod.metadata.uid,
    "spec.nodeName": (pod.spec as Obj).nodeName,
    "spec.serviceAccountName": (pod.spec as Obj).serviceAccountName,
    "status.hostIP": (pod.status as Obj | undefined)?.hostIP,
    "status.podIP": (pod.status as Obj | undefined)?.podIP,
  };
  return String(known[path] ?? "");
}

function decode(secret: KubeObject, key: string): string | undefined {
  const v = (secret.data as Record<string, string> | undefined)?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

export function containerEnv(c: Cluster, pod: KubeObject, container: Obj): EnvResult {
  const ns = pod.metadata.namespace;
  const env = serviceEnv(c, pod);
  const configMap = (name: string) => c.store.get(c.res("ConfigMap"), ns, name);
  const secret = (name: string) => c.store.get(c.res("Secret"), ns, name);
  for (const from of (container.envFrom as EnvFromSource[] | undefined) ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const cm = configMap(from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        return { ok: false, message: `configmap "${from.configMapRef.name}" not found` };
      }
      for (const [k, v] of Object.entries((cm.data as Record<string, string> | undefined) ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const s = secret(from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) continue;
        return { ok: false, message: `secret "${from.secretRef.name}" not found` };
      }
      for (const k of Object.keys((s.data as Record<string, string> | undefined) ?? {})) if (ENV_NAME.test(prefix + k)) env.set(prefix + k, decode(s, k)!);
    }
  }
  for (const e of (container.env as EnvVar[] | undefined) ?? []) {
    if (e.value !== undefined && e.value !== "") {
      env.set(e.name, expandKubernetesRefs(e.value, (n) => env.get(n)));
      continue;
    }
    const ref = e.valueFrom;
    if (!ref) {
      env.set(e.name, "");
      continue;
    }
    if (ref.configMapKeyRef) {
      const { name = "", key, optional } = ref.configMapKeyRef;
      const cm = configMap(name);
      const value = (cm?.data as Record<string, string> | undefined)?.[key];
      if (value === undefined) {
        if (optional) continue;
        return { ok: false, message: cm ? `couldn't find key ${key} in ConfigMap ${ns}/${name}` : `configmap "${name}" not found` };
      }
      env.set(e.name, value);
    } else if (ref.secretKeyRef) {
      const { name = "", key, optional } = ref.secretKeyRef;
      const s = secret(name);
      const value = s ? decode(s, key) : undefined;
      if (value === undefined) {
        if (optional) continue;
        return { ok: false, message: s ? `couldn't find key ${key} in Secret ${ns}/${name}` : `secret "${name}" not found` };
      }
      env.set(e.name, value);
    } else if (ref.fieldRef) env.set(e.name, fieldValue(pod, ref.fieldRef.fieldPath));
  }
  return { ok: true, env };
}
