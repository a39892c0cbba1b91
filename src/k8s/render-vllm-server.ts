/**
 * deploy/vllm/*.yaml as `make vllm-up` applies them: deploy/vllm/values.yaml patched into the Deployment (image,
 * `vllm serve` arguments, GPU count, resources, node selector, tolerations, the startup probe's budget, the uid)
 * and every object put in the target
 * namespace. The YAML files hold the default values too, so `kubectl apply -f` by hand gives the same server.
 * Pure.
 */
import type { V1Deployment } from "@kubernetes/client-node";
import { UsageError } from "../errors.ts";
import type { Manifest } from "./load-manifests.ts";
import { vllmImage, vllmServerArgs, type VllmValues } from "./vllm-values.ts";

export function renderVllmDeployment(source: V1Deployment, values: VllmValues, namespace: string): V1Deployment {
  const d = structuredClone(source);
  d.metadata = { ...d.metadata, namespace };
  const pod = d.spec?.template.spec;
  const container = pod?.containers[0];
  if (!pod || !container) throw new UsageError("deploy/vllm/deployment.yaml must hold a Deployment with the vllm container", "restore it with `git checkout deploy/vllm/deployment.yaml`");
  container.image = vllmImage(values);
  container.args = vllmServerArgs(values);
  const requests = { ...values.resources.requests };
  const limits: Record<string, string> = { ...(values.resources.limits ?? {}), "nvidia.com/gpu": String(values.gpus) };
  container.resources = { requests, limits };
  pod.nodeSelector = { ...values.nodeSelector };
  pod.tolerations = values.tolerations.map((t) => ({ ...t }));
  if (container.startupProbe) container.startupProbe = { ...container.startupProbe, ...values.startupProbe };
  const uid = values.runAsUser;
  pod.securityContext = uid === 0
    ? { ...pod.securityContext, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, fsGroup: 0 }
    : { ...pod.securityContext, runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid };
  return d;
}

/** A copy of an object in the namespace. */
export function inNamespace<T extends Manifest>(m: T, namespace: string): T {
  return { ...structuredClone(m), metadata: { ...m.metadata, namespace } };
}
