/**
 * A real Kubernetes cluster for the e2e tests, minus the GPU: the real control plane (../kube-control-plane: API
 * server with TLS, RBAC and admission, controller manager, scheduler, etcd), one GPU node run by the node agent
 * (../kube-node-agent), and the cluster network stand-in (../kube-cluster-net: ClusterIPs through EndpointSlices, a
 * hosts file per pod for Service names). kneepoint's CLI runs in its own process with a kubeconfig holding a real
 * ServiceAccount token (`kneepoint-runner` of benchmarks/rbac.yaml, bound as its header says), so every call is
 * authorized by the real RBAC.
 *
 * The test doubles are only what cannot run here: the vLLM image. A fake `vllm` on the node's PATH starts
 * kneepoint's simulator for `vllm serve` (on the pod's own IP, read from the hosts file the kubelet writes) and
 * answers `vllm bench serve` with a vLLM-shaped result file.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, RbacAuthorizationV1Api, type KubernetesObject } from "@kubernetes/client-node";
import { readManifests } from "../../src/k8s/load-manifests.ts";
import { buildControlPlane } from "../kube-control-plane/build.ts";
import { startControlPlane, type ControlPlane } from "../kube-control-plane/control-plane.ts";
import { startClusterNetwork, type ClusterNetwork } from "../kube-cluster-net/cluster-net.ts";
import { startNodeAgent, type NodeAgent, type NodeAgentOptions } from "../kube-node-agent/node-agent.ts";
import { fakeVllmScript } from "../k8s/fake-vllm.ts";
import { runKneepoint, type KneepointRun } from "../run-kneepoint.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const GPU_LABELS = {
  "node.kubernetes.io/instance-type": "a3-highgpu-1g",
  "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
  "nvidia.com/gpu.count": "1",
  "nvidia.com/cuda.driver.major": "580",
  "nvidia.com/cuda.driver.minor": "95",
  "nvidia.com/cuda.driver.rev": "05",
  "nvidia.com/cuda.runtime.major": "13",
  "nvidia.com/cuda.runtime.minor": "0",
};

/**
 * The vLLM image's stand-in. `vllm serve MODEL --served-model-name N --port P …`: the simulator on the pod IP
 * (the kubelet's hosts file maps $HOSTNAME to it), failing like vLLM when HOME is not writable. `vllm bench serve`:
 * a result file with vLLM's keys (throughput flat past c=4 — the knee), after FAKE_SLEEP_S, failing at c=FAKE_FAIL_AT
 * (both from the bench-target ConfigMap, which the Job reads with envFrom).
 */
export function fakeVllm(simArgs: string): string {
  return fakeVllmScript(
    `echo "Starting initial single prompt test run..."
[ -n "\${FAKE_SLEEP_S:-}" ] && sleep "$FAKE_SLEEP_S"
if [ "$c" = "\${FAKE_FAIL_AT:-}" ]; then echo "Traceback (most recent call last): ClientConnectorError: Cannot connect to host" >&2; exit 1; fi
eff=$c; [ "$eff" -gt 4 ] && eff=4
thr=$((eff * 100)); e2e=$((1000 * c / eff))
mkdir -p "$dir"
printf '{"date": "20261203-120000", "endpoint_type": "vllm", "backend": "vllm", "num_prompts": %s, "request_rate": "inf", "max_concurrency": %s, "duration": 4.0, "completed": %s, "failed": 0, "total_input_tokens": 8192, "total_output_tokens": 4096, "request_throughput": %s.0, "output_throughput": %s.0, "total_token_throughput": %s.0, "mean_ttft_ms": 20.0, "median_ttft_ms": 19.0, "p50_ttft_ms": 19.0, "p95_ttft_ms": 35.0, "p99_ttft_ms": 40.0, "mean_itl_ms": 7.5, "median_itl_ms": 7.0, "p50_itl_ms": 7.0, "p95_itl_ms": 8.5, "p99_itl_ms": 9.0, "mean_e2el_ms": %s.0, "median_e2el_ms": %s.0, "p50_e2el_ms": %s.0, "p99_e2el_ms": %s.0, "errors": []}' \\
  "$n" "$c" "$n" "$eff" "$thr" "$((thr * 3))" "$e2e" "$e2e" "$e2e" "$((e2e + 100))" > "$dir/$file"
echo "============ Serving Benchmark Result ============"
`,
    `if [ "$1" = "serve" ]; then
  shift; name=$1; port=8000; shift
  while [ $# -gt 0 ]; do case "$1" in --served-model-name) name=$2; shift ;; --port) port=$2; shift ;; esac; shift; done
  ip=$(awk -v h="$HOSTNAME" '$2 == h { print $1; exit }' /etc/hosts)
  [ -n "$ip" ] || { echo "fake vllm: no address for $HOSTNAME in /etc/hosts" >&2; exit 1; }
  mkdir -p "$HOME/.cache/vllm" || { echo "fake vllm: HOME=$HOME is not writable" >&2; exit 1; }
  echo "INFO Loading safetensors checkpoint shards: 100% Completed | 1/1"
  exec node ${JSON.stringify(join(REPO, "bin/kneepoint.js"))} sim --host "$ip" --port "$port" --served-model-name "$name" ${simArgs}
fi
`,
  );
}

export interface RealCluster {
  cp: ControlPlane;
  node: NodeAgent;
  net: ClusterNetwork;
  admin: KubeConfig;
  core: CoreV1Api;
  work: string;
  /** kubeconfig with the kneepoint-runner ServiceAccount's token (benchmarks/rbac.yaml's rights, nothing more). */
  runnerKubeconfig: string;
  /** kubeconfig with the admin client certificate (system:masters). */
  adminKubeconfig: string;
  /** Server-side apply as admin (field manager `e2e-admin`). */
  apply(objects: KubernetesObject[]): Promise<void>;
  /** The CLI in its own process, as the runner (or `kubeconfig`), with only PATH, HOME, KUBECONFIG, NAMESPACE and `env`. */
  kneepoint(args: string[], o?: { env?: Record<string, string>; kubeconfig?: string; namespace?: string }): Promise<KneepointRun>;
  close(): Promise<void>;
}

function kubeconfigYaml(server: string, caPem: string, user: Record<string, string>, namespace: string): string {
  return `${JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "real", cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
      users: [{ name: "u", user }],
      contexts: [{ name: "real", context: { cluster: "real", user: "u", namespace } }],
      "current-context": "real",
    },
    null,
    2,
  )}\n`;
}

export interface RealClusterOptions {
  namespace: string;
  namespaceLabels?: Record<string, string>;
  /** Flags of the simulator the fake `vllm serve` starts (default: deterministic, TTFT 4 ms, ITL 1 ms). */
  simArgs?: string;
  /** More node agent options (log rotation, partial-line size, back-off…), over the fixture's defaults. */
  agent?: Partial<Omit<NodeAgentOptions, "controlPlane" | "node" | "path" | "hostsFile">>;
  /** Extra executables on the node's PATH (name → sh script), e.g. another fake `vllm`. */
  bins?: Record<string, string>;
  /** GPUs the node offers (capacity nvidia.com/gpu and its gpu.count label; default 1). */
  gpus?: number;
}

export async function startRealCluster(o: RealClusterOptions): Promise<RealCluster> {
  await buildControlPlane();
  const cp = await startControlPlane();
  const closers: Array<() => Promise<unknown>> = [() => cp.stop()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const work = mkdtempSync(join(tmpdir(), "kp-real-e2e-"));
    const bin = join(work, "bin");
    mkdirSync(bin);
    const bins = { vllm: fakeVllm(o.simArgs ?? "--ttft-ms 4 --itl-ms 1"), ...(o.bins ?? {}) };
    for (const [name, script] of Object.entries(bins)) {
      writeFileSync(join(bin, name), script);
      chmodSync(join(bin, name), 0o755);
    }

    const admin = new KubeConfig();
    admin.loadFromFile(cp.kubeconfigPath);
    const net = await startClusterNetwork(admin);
    closers.push(() => net.stop());
    const node = await startNodeAgent({
      controlPlane: cp,
      node: { name: "gpu-node-1", labels: { ...GPU_LABELS, "nvidia.com/gpu.count": String(o.gpus ?? 1) }, capacity: { cpu: "16", memory: "64Gi", pods: "110", "nvidia.com/gpu": String(o.gpus ?? 1) }, taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }] },
      path: `${bin}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      hostsFile: (ns, pod) => net.hostsFile(ns, pod),
      crashLoopBackoffMs: 500,
      probeTimeScale: 0.1,
      heartbeatMs: 2000,
      ...(o.agent ?? {}),
    });
    closers.push(() => node.stop());

    const objects = KubernetesObjectApi.makeApiClient(admin);
    const apply = async (list: KubernetesObject[]) => {
      for (const m of list) await objects.patch(m, undefined, undefined, "e2e-admin", true, PatchStrategy.ServerSideApply);
    };
    const core = admin.makeApiClient(CoreV1Api);
    const ns = o.namespace;
    await apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: o.namespaceLabels ?? {} } } as KubernetesObject]);
    // benchmarks/rbac.yaml in the namespace, and the node reader bound to the runner, as their headers say.
    const rbac = (await readManifests(join(REPO, "benchmarks/rbac.yaml"))).map((m) => ({ ...m, metadata: { ...m.metadata, namespace: ns } }));
    const nodeReader = await readManifests(join(REPO, "deploy/node-reader.yaml"));
    await apply([...rbac, ...nodeReader] as KubernetesObject[]);
    await admin.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        metadata: { name: `kneepoint-node-reader-${ns}` },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kneepoint-node-reader" },
        subjects: [{ kind: "ServiceAccount", name: "kneepoint-runner", namespace: ns }],
      },
    });
    // `kubectl -n <ns> create token kneepoint-runner --duration=…`: the TokenRequest API.
    const token = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
      name: "kneepoint-runner",
      namespace: ns,
      body: { spec: { expirationSeconds: 3600, audiences: [] } },
    });
    const server = admin.getCurrentCluster()!.server;
    const caPem = readFileSync(cp.pki.ca.cert, "utf8");
    const runnerKubeconfig = join(work, "kubeconfig-runner");
    writeFileSync(runnerKubeconfig, kubeconfigYaml(server, caPem, { token: token.status!.token }, ns));
    const adminKubeconfig = cp.kubeconfigPath;

    return {
      cp,
      node,
      net,
      admin,
      core,
      work,
      runnerKubeconfig,
      adminKubeconfig,
      apply,
      kneepoint: (args, k = {}) =>
        runKneepoint(args, {
          inheritEnv: false,
          env: { PATH: process.env.PATH ?? "", HOME: work, KUBECONFIG: k.kubeconfig ?? runnerKubeconfig, NAMESPACE: k.namespace ?? ns, ...(k.env ?? {}) },
        }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
