/**
 * Names and labels of every Kubernetes object kneepoint owns, from one function, so that the manifests in
 * deploy/ and benchmarks/, the runner that patches and applies them, and the selectors that find them agree.
 * The manifests are YAML a reader can `kubectl apply` by hand; test/k8s/manifests.test.ts checks that their
 * names and labels equal what `objectMeta` returns here.
 */

export const LABEL = {
  name: "app.kubernetes.io/name",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
  runId: "kneepoint.dev/run-id",
} as const;

export const PART_OF = "kneepoint";
export const MANAGED_BY = "kneepoint";

/** The user's own objects the Job reads (seed names, kept as they are so the seed's kubectl recipes work). */
export const BENCH_TARGET_CONFIGMAP = "bench-target";
export const BENCH_TARGET_SECRET = "bench-target-auth";
/** Optional Secret with key HF_TOKEN, for gated models (server) and gated tokenizers (Job). */
export const HF_TOKEN_SECRET = "hf-token";
export const HF_TOKEN_KEY = "HF_TOKEN";

const OBJECTS = {
  /** vLLM Deployment, its Service (`http://vllm:8000`, the Job's default BASE_URL) and PodMonitor. */
  "model-server": { name: "vllm", appName: "vllm", component: "model-server" },
  /** The sweep Job; app name as in the seed (`kubectl get pod -l app.kubernetes.io/name=vllm-bench`). */
  "bench-job": { name: "vllm-bench", appName: "vllm-bench", component: "load-generator" },
  /** ConfigMap holding the native engine's bundled JS, mounted into the Job when ENGINE=native. */
  "engine-bundle": { name: "kneepoint-engine", appName: "vllm-bench", component: "load-generator" },
  /** ServiceAccount, Roles and bindings for whoever runs `make vllm-up` / `make bench`. */
  runner: { name: "kneepoint-runner", appName: "kneepoint-runner", component: "rbac" },
  /** Role for `make vllm-up` / `make vllm-down` (create and delete the model server). */
  "vllm-operator": { name: "kneepoint-vllm-operator", appName: "kneepoint-runner", component: "rbac" },
  /** Cluster-scoped read of node labels for the run context (GPU model, machine type, driver). */
  "node-reader": { name: "kneepoint-node-reader", appName: "kneepoint-runner", component: "rbac" },
} as const;

export type ObjectKind = keyof typeof OBJECTS;
export const OBJECT_KINDS = Object.keys(OBJECTS) as ObjectKind[];

export interface ObjectMeta {
  name: string;
  /** Every label the object (and its pod template, for workloads) carries. */
  labels: Record<string, string>;
  /** The stable subset that selectors use (no run id, so a selector never goes stale across runs). */
  selector: Record<string, string>;
}

/** Kubernetes label values: at most 63 characters, alphanumeric at both ends, `-_.` inside. */
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)$/;

/** The name and labels of one of kneepoint's objects; with `runId`, the run-id label too. */
export function objectMeta(kind: ObjectKind, runId?: string): ObjectMeta {
  const spec = OBJECTS[kind];
  const selector = {
    [LABEL.name]: spec.appName,
    [LABEL.component]: spec.component,
    [LABEL.partOf]: PART_OF,
  };
  const labels: Record<string, string> = { ...selector, [LABEL.managedBy]: MANAGED_BY };
  if (runId !== undefined) {
    if (!LABEL_VALUE.test(runId)) {
      throw new Error(`run id '${runId}' is not a valid Kubernetes label value (≤63 characters, [A-Za-z0-9_.-], alphanumeric at both ends)`);
    }
    labels[LABEL.runId] = runId;
  }
  return { name: spec.name, labels, selector };
}
