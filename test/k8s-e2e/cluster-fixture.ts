/**
 * The cluster the k8s e2e tests run kneepoint against: a REAL Kubernetes control plane with one GPU node run by the
 * node agent (../k8s-real/real-cluster.ts). The CLI runs in its own process with the kneepoint-runner
 * ServiceAccount's token, so benchmarks/rbac.yaml's rules are what the real RBAC enforces, in a namespace that
 * enforces Pod Security "restricted". The model server is
 * deploy/vllm as `vllm-up` applies it, with a fake `vllm` (the only double: no vLLM image or GPU here) that starts
 * kneepoint's simulator; an in-cluster Prometheus is a real Prometheus run as a pod. Shared by cluster-bench.test.ts
 * and capacity-job.test.ts.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { AppsV1Api, BatchV1Api, CoreV1Api, type KubernetesObject } from "@kubernetes/client-node";
import { runKneepoint, type KneepointRun, type RunOptions } from "../run-kneepoint.ts";
import { startRealCluster, type RealCluster } from "../k8s-real/real-cluster.ts";

export const NS = "serving";
/** The runner's namespace enforces Pod Security "restricted": the server and the Jobs must meet it. */
export const RESTRICTED = { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" };
export const SECRET = "sk-e2e-never-printed-7f3a";

export interface ClusterFixture {
  cluster: RealCluster;
  /** A temporary directory: HOME of the CLI, and room for results. */
  work: string;
  /** The runner's kubeconfig (ServiceAccount token). */
  kubeconfig: string;
  admin: CoreV1Api;
  /** The CLI in its own process, with only PATH, HOME, KUBECONFIG and NAMESPACE (plus `env`) in its environment. */
  kneepoint(args: string[], env?: Record<string, string>, onStderr?: RunOptions["onStderr"]): Promise<KneepointRun>;
  /** Replaces the bench-target ConfigMap (null: none). */
  setBenchTarget(data: Record<string, string> | null): Promise<void>;
  /** An object as the API server has it now, or undefined. */
  get(kind: "Job" | "ConfigMap" | "Pod" | "Deployment", namespace: string, name: string): Promise<unknown>;
  /** A real Prometheus as a pod behind the Service monitoring/prometheus-k8s:9090, scraping the vllm Service every second. */
  startPrometheus(): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

const notFound = (err: unknown) => (err as { code?: number }).code === 404;

export async function startClusterFixture(o: { simArgs?: string; gpus?: number } = {}): Promise<ClusterFixture> {
  const cluster = await startRealCluster({ namespace: NS, namespaceLabels: RESTRICTED, simArgs: o.simArgs ?? "--ttft-ms 4 --itl-ms 1", ...(o.gpus ? { gpus: o.gpus } : {}) });
  const admin = cluster.core;
  const apps = cluster.admin.makeApiClient(AppsV1Api);
  const batch = cluster.admin.makeApiClient(BatchV1Api);
  await admin.createNamespacedSecret({ namespace: NS, body: { metadata: { name: "bench-target-auth" }, stringData: { OPENAI_API_KEY: SECRET } } });
  return {
    cluster,
    work: cluster.work,
    kubeconfig: cluster.runnerKubeconfig,
    admin,
    kneepoint: (args, env = {}, onStderr) =>
      runKneepoint(args, {
        inheritEnv: false,
        env: { PATH: process.env.PATH ?? "", HOME: cluster.work, KUBECONFIG: cluster.runnerKubeconfig, NAMESPACE: NS, ...env },
        ...(onStderr ? { onStderr } : {}),
      }),
    async setBenchTarget(data) {
      await admin.deleteNamespacedConfigMap({ name: "bench-target", namespace: NS }).catch(() => undefined);
      if (data) await admin.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "bench-target" }, data } });
    },
    async get(kind, namespace, name) {
      try {
        if (kind === "Job") return await batch.readNamespacedJob({ name, namespace });
        if (kind === "ConfigMap") return await admin.readNamespacedConfigMap({ name, namespace });
        if (kind === "Deployment") return await apps.readNamespacedDeployment({ name, namespace });
        return await admin.readNamespacedPod({ name, namespace });
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
    startPrometheus: () => startPrometheusPod(cluster),
    close: () => cluster.close(),
  };
}

/**
 * Prometheus in the cluster, as kube-prometheus would run it (Debian's /usr/bin/prometheus in a pod of namespace
 * monitoring, Service prometheus-k8s:9090), scraping the vLLM pods every second with the target labels the Prometheus
 * Operator's relabeling of deploy/vllm/podmonitor.yaml gives them (namespace, pod, container), which the runner's
 * queries select on; /dcgm/metrics of the same pod stands in for dcgm-exporter. Debian's Prometheus is built without
 * Kubernetes service discovery, so the targets are the vLLM pods' IPs as the API server lists them when this starts
 * (call it after vllm-up). The runner may proxy to it: a Role with `services/proxy` in monitoring bound to
 * kneepoint-runner, as rbac.yaml's header tells users to create.
 */
async function startPrometheusPod(c: RealCluster): Promise<{ stop(): Promise<void> }> {
  const ns = "monitoring";
  const pods = (await c.core.listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/name=vllm" })).items.filter((p) => p.status?.podIP);
  if (pods.length === 0) throw new Error("startPrometheus: no vLLM pod with an IP (run vllm-up first)");
  const staticConfigs = pods.map((p) => ({ targets: [`${p.status!.podIP}:8000`], labels: { namespace: NS, pod: p.metadata!.name!, container: "vllm" } }));
  const scrape = (job: string, path: string) => ({ job_name: job, scrape_interval: "1s", metrics_path: path, static_configs: staticConfigs });
  const config = { global: { scrape_interval: "1s", evaluation_interval: "1s" }, scrape_configs: [scrape(`podMonitor/${NS}/vllm/0`, "/metrics"), scrape("dcgm-exporter", "/dcgm/metrics")] };
  const labels = { app: "prometheus" };
  const objects = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "prometheus-config", namespace: ns }, data: { "prometheus.yml": JSON.stringify(config) } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "prometheus-k8s", namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            // The test cluster's only node is the tainted GPU node (a real cluster would run Prometheus on CPU nodes).
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            containers: [
              {
                name: "prometheus",
                image: "quay.io/prometheus/prometheus:v2.53.0",
                command: ["prometheus", "--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=$(POD_IP):9090"],
                env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
                ports: [{ name: "web", containerPort: 9090 }],
                readinessProbe: { httpGet: { path: "/-/ready", port: "web" }, periodSeconds: 5 },
                volumeMounts: [
                  { name: "config", mountPath: "/etc/prometheus" },
                  { name: "data", mountPath: "/prometheus" },
                ],
              },
            ],
            volumes: [
              { name: "config", configMap: { name: "prometheus-config" } },
              { name: "data", emptyDir: {} },
            ],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name: "prometheus-k8s", namespace: ns }, spec: { selector: labels, ports: [{ name: "web", port: 9090, targetPort: "web" }] } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "kneepoint-prometheus", namespace: ns },
      rules: [{ apiGroups: [""], resources: ["services/proxy"], verbs: ["get", "create"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "kneepoint-prometheus", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "kneepoint-prometheus" },
      subjects: [{ kind: "ServiceAccount", name: "kneepoint-runner", namespace: NS }],
    },
  ] as KubernetesObject[];
  await c.apply(objects);
  await c.net.waitFor(ns, "prometheus-k8s", { ready: true, timeoutMs: 30_000 });
  // Ready is not scraped: wait until both jobs' targets are up, so a short step's window holds samples.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await adminGet(c, `/api/v1/namespaces/${ns}/services/prometheus-k8s:9090/proxy/api/v1/query?query=${encodeURIComponent("up == 1")}`).catch(() => "");
    const jobs = new Set(((JSON.parse(up || "{}") as { data?: { result?: Array<{ metric: { job?: string } }> } }).data?.result ?? []).map((r) => r.metric.job));
    if (config.scrape_configs.every((j) => jobs.has(j.job_name))) break;
    if (Date.now() > deadline) throw new Error(`Prometheus in ${ns} did not scrape its targets within 30 s (up: ${up.slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    async stop() {
      await c.admin.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: "prometheus-k8s", namespace: ns, propagationPolicy: "Foreground" }).catch(() => undefined);
    },
  };
}

/** GET on the API server with the admin client certificate; the body as text (non-2xx rejects). */
function adminGet(c: RealCluster, path: string): Promise<string> {
  const url = new URL(c.admin.getCurrentCluster()!.server + path);
  const { ca, admin } = c.cp.pki;
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: readFileSync(ca.cert), cert: readFileSync(admin.cert), key: readFileSync(admin.key), agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => ((res.statusCode ?? 0) < 300 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`))));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** Every file under a directory, as text. */
export function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.endsWith(".png"))
    .map((d) => readFileSync(join(d.parentPath, d.name), "utf8"))
    .join("\n");
}

/** The run directories under a results directory. */
export function runDirs(out: string): string[] {
  return existsSync(out) ? readdirSync(out).map((d) => join(out, d)) : [];
}

/** A kubeconfig whose API server does not answer: a command that reaches the API fails with "unreachable". */
export function unreachableKubeconfig(work: string): string {
  const file = join(work, "kubeconfig-unreachable");
  const cfg = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "none", cluster: { server: "https://127.0.0.1:1", "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token: "t" } }],
    contexts: [{ name: "none", context: { cluster: "none", user: "u", namespace: NS } }],
    "current-context": "none",
  };
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}
