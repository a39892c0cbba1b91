/**
 * What the cluster says about the server a sweep measured, for the benchmarks.md record: the vLLM Deployment's
 * arguments (and dtype), its pod's node labels (GPU, machine type, driver, CUDA), and `/version` of the target
 * Service through the API server. Every read is optional: a KServe or LiteLLM target has no `vllm`
 * Deployment, a user without node access gets no node facts; what could not be read stays unknown, and says why.
 */
import type { V1Deployment } from "@kubernetes/client-node";
import type { Kube } from "./kube-client.ts";
import { objectMeta } from "./manifest-names.ts";
import { nodeFacts, type NodeFacts } from "./node-facts.ts";
import { serviceProxyFetch, type ServiceRef } from "./service-proxy.ts";

export interface ClusterContext extends NodeFacts {
  serverArgs?: string;
  dtype?: string;
  /** `/version` of the target, when it is an in-cluster Service that answers it (vLLM, or kneepoint's simulator). */
  serverVersion?: string;
  simulator?: string;
  simulatorProfile?: string;
  maxNumSeqs?: number;
  /** The model server's pods (for Prometheus' pod matcher) and their node. */
  serverPods: string[];
  serverNode?: string;
  notes: string[];
}

/** `--dtype bfloat16` or `--dtype=bfloat16` in a command line. */
export function dtypeOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--dtype") return args[i + 1];
    if (a.startsWith("--dtype=")) return a.slice("--dtype=".length);
  }
  return undefined;
}

async function readDeployment(kube: Kube, name: string): Promise<V1Deployment | null> {
  try {
    return await kube.apps.readNamespacedDeployment({ name, namespace: kube.namespace });
  } catch {
    return null;
  }
}

export async function readClusterContext(kube: Kube, opts: { target: ServiceRef | null; baseUrl: string }): Promise<ClusterContext> {
  const out: ClusterContext = { serverPods: [], notes: [] };
  const meta = objectMeta("model-server");
  // The Deployment and its node describe the target only when the target is that Deployment's Service.
  const ours = opts.target !== null && opts.target.name === meta.name && opts.target.namespace === kube.namespace;
  const deployment = ours ? await readDeployment(kube, meta.name) : null;
  if (deployment) {
    const c = deployment.spec?.template.spec?.containers[0];
    const args = [...(c?.command ?? []), ...(c?.args ?? [])];
    out.serverArgs = args.join(" ");
    const dtype = dtypeOf(args);
    if (dtype) out.dtype = dtype;
    try {
      const selector = Object.entries(meta.selector).map(([k, v]) => `${k}=${v}`).join(",");
      const pods = await kube.core.listNamespacedPod({ namespace: kube.namespace, labelSelector: selector });
      const running = pods.items.filter((p) => p.status?.phase === "Running");
      out.serverPods = running.map((p) => p.metadata?.name ?? "").filter(Boolean);
      out.serverNode = running[0]?.spec?.nodeName;
    } catch {
      out.notes.push("the vLLM pods could not be listed");
    }
  } else if (ours) {
    out.notes.push(`no Deployment ${meta.name} in ${kube.namespace}: server args unknown`);
  } else {
    out.notes.push(`the target is not the ${meta.name} Service of make vllm-up: its server args and GPU are not known here`);
  }
  if (out.serverNode) {
    try {
      const node = await kube.core.readNode({ name: out.serverNode });
      Object.assign(out, nodeFacts(node.metadata?.labels ?? {}));
    } catch {
      out.notes.push(`node ${out.serverNode} could not be read (apply deploy/node-reader.yaml for GPU, driver and machine type)`);
    }
  }
  // An in-cluster Service through the API server; any other URL (an ingress, a load balancer), or a host that only
  // looked like a Service (example.com), directly.
  const direct = `${opts.baseUrl.replace(/\/+$/, "")}/version`;
  const readVersion = async (): Promise<Response> => {
    if (opts.target) {
      const viaProxy = await serviceProxyFetch(kube, opts.target)("http://service/version", { signal: AbortSignal.timeout(10_000) }).catch(() => null);
      if (viaProxy?.ok) return viaProxy;
    }
    return fetch(direct, { signal: AbortSignal.timeout(5_000) });
  };
  {
    try {
      const res = await readVersion();
      const body = (await res.json().catch(() => null)) as { version?: unknown; simulator?: unknown; profile?: unknown; max_num_seqs?: unknown } | null;
      if (res.ok && typeof body?.version === "string") {
        out.serverVersion = body.version;
        if (typeof body.simulator === "string") out.simulator = body.simulator;
        if (typeof body.profile === "string") out.simulatorProfile = body.profile;
        if (typeof body.max_num_seqs === "number") out.maxNumSeqs = body.max_num_seqs;
      }
    } catch {
      out.notes.push(`/version of ${opts.target ? `${opts.target.namespace}/${opts.target.name}` : opts.baseUrl} could not be read (LiteLLM and KServe have none): vLLM version unknown`);
    }
  }
  return out;
}
