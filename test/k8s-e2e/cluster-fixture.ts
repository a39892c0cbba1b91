/**
 * The cluster the k8s e2e tests run kneepoint against: the Kubernetes API double of test/k8s-double (whose kubelet
 * runs Jobs' containers on this machine, with fake executables first on its PATH) with benchmarks/rbac.yaml's
 * rules enforced, a simulator process as the `vllm` Service's upstream, a kubeconfig for the CLI, and the
 * bench-target-auth Secret. Shared by cluster-bench.test.ts and capacity-job.test.ts.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api } from "@kubernetes/client-node";
import { startKubeApiDouble, type KubeApiDouble } from "../k8s-double/kube-api-double.ts";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { readManifests } from "../../src/k8s/load-manifests.ts";
import { runKneepoint, type KneepointRun, type RunOptions } from "../run-kneepoint.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const NS = "serving";
export const SECRET = "sk-e2e-never-printed-7f3a";
export const GPU_NODE = {
  name: "gpu-node-1",
  labels: {
    "kubernetes.io/hostname": "gpu-node-1",
    "node.kubernetes.io/instance-type": "a3-highgpu-1g",
    "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
    "nvidia.com/gpu.count": "1",
    "nvidia.com/cuda.driver.major": "580",
    "nvidia.com/cuda.driver.minor": "95",
    "nvidia.com/cuda.driver.rev": "05",
    "nvidia.com/cuda.runtime.major": "13",
    "nvidia.com/cuda.runtime.minor": "0",
  },
  capacity: { cpu: "16", memory: "64Gi", pods: "110", "nvidia.com/gpu": "1" },
  taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" as const }],
};

export interface ClusterFixture {
  sim: SimProcess;
  k8s: KubeApiDouble;
  /** A temporary directory: HOME of the CLI, and room for results. */
  work: string;
  kubeconfig: string;
  admin: CoreV1Api;
  /** The CLI in its own process, with only PATH, HOME, KUBECONFIG and NAMESPACE (plus `env`) in its environment. */
  kneepoint(args: string[], env?: Record<string, string>, onStderr?: RunOptions["onStderr"]): Promise<KneepointRun>;
  /** Replaces the bench-target ConfigMap (null: none). */
  setBenchTarget(data: Record<string, string> | null): Promise<void>;
  close(): Promise<void>;
}

export async function startClusterFixture(o: { simArgs: string[]; fakeBins?: Record<string, string> }): Promise<ClusterFixture> {
  const work = mkdtempSync(join(tmpdir(), "kp-e2e-"));
  const bin = join(work, "bin");
  mkdirSync(bin);
  for (const [name, script] of Object.entries(o.fakeBins ?? {})) {
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
  const sim = await startSimProcess(o.simArgs);
  const rbac = [...(await readManifests(join(REPO, "benchmarks/rbac.yaml"))), ...(await readManifests(join(REPO, "deploy/node-reader.yaml")))].filter(
    (m) => m.kind === "Role" || m.kind === "ClusterRole",
  );
  const k8s = await startKubeApiDouble({
    namespaces: [NS, "monitoring"],
    nodes: [GPU_NODE],
    rbac: rbac as never,
    // An in-cluster Prometheus Service (selector-less, as with hand-made Endpoints; a test maps it to a real Prometheus).
    objects: [{ apiVersion: "v1", kind: "Service", metadata: { name: "prometheus-k8s", namespace: "monitoring" }, spec: { ports: [{ name: "web", port: 9090 }] } }],
    serviceUpstreams: { [`${NS}/vllm`]: sim.url },
    deploymentReadyAfterMs: { vllm: 600 },
    deploymentLogs: { vllm: [{ afterMs: 100, line: "INFO Loading safetensors checkpoint shards: 100% Completed | 1/1" }] },
    kubelet: { path: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin` },
  });
  const kubeconfig = join(work, "kubeconfig");
  await k8s.writeKubeconfig(kubeconfig, { namespace: NS });
  const admin = k8s.kubeConfig({ admin: true }).makeApiClient(CoreV1Api);
  await admin.createNamespacedSecret({ namespace: NS, body: { metadata: { name: "bench-target-auth" }, stringData: { OPENAI_API_KEY: SECRET } } });
  return {
    sim,
    k8s,
    work,
    kubeconfig,
    admin,
    kneepoint: (args, env = {}, onStderr) =>
      runKneepoint(args, {
        inheritEnv: false,
        env: { PATH: process.env.PATH ?? "", HOME: work, KUBECONFIG: kubeconfig, NAMESPACE: NS, ...env },
        ...(onStderr ? { onStderr } : {}),
      }),
    async setBenchTarget(data) {
      await admin.deleteNamespacedConfigMap({ name: "bench-target", namespace: NS }).catch(() => undefined);
      if (data) await admin.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "bench-target" }, data } });
    },
    async close() {
      await k8s.close();
      await sim.stop();
    },
  };
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
