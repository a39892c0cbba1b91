/**
 * deploy/vllm/*.yaml as `make vllm-up` applies them: deploy/vllm/values.yaml patched into the Deployment (replicas, image,
 * `vllm serve` arguments, GPU count, resources, node selector, tolerations, affinity, runtime and priority class,
 * image pull Secrets, the startup probe's budget, the uid, the model cache volume and /dev/shm's size, the listen
 * address through the arguments, imageCheck as an annotation) and into the
 * PodMonitor (extra labels), and every object put in the target namespace. The YAML files hold the default values
 * too, so `kubectl apply -f` by hand gives the same server. Pure.
 */
import type { V1Deployment, V1EnvVar, V1Volume } from "@kubernetes/client-node";
import { UsageError } from "../errors.ts";
import { IMAGE_CHECK_ANNOTATION } from "./image-driver-check.ts";
import type { Manifest } from "./load-manifests.ts";
import { vllmImage, vllmServerArgs, type VllmValues } from "./vllm-values.ts";

/** The volumes deployment.yaml names: /dev/shm and the Hugging Face cache (HF_HOME lies on it). */
export const SHM_VOLUME = "dshm";
export const MODEL_CACHE_VOLUME = "model-cache";

export function renderVllmDeployment(source: V1Deployment, values: VllmValues, namespace: string): V1Deployment {
  const d = structuredClone(source);
  d.metadata = { ...d.metadata, namespace };
  // imageCheck: false travels to vllm-up on the Deployment (and stays visible there); absent otherwise.
  const { [IMAGE_CHECK_ANNOTATION]: _check, ...annotations } = d.metadata.annotations ?? {};
  if (!values.imageCheck) annotations[IMAGE_CHECK_ANNOTATION] = "false";
  setOptional(d.metadata, "annotations", Object.keys(annotations).length > 0 ? annotations : undefined);
  if (d.spec) d.spec.replicas = values.replicas;
  const pod = d.spec?.template.spec;
  const container = pod?.containers[0];
  const restore = "restore it with `git checkout deploy/vllm/deployment.yaml`";
  if (!pod || !container) throw new UsageError("deploy/vllm/deployment.yaml must hold a Deployment with the vllm container", restore);
  container.image = vllmImage(values);
  container.args = vllmServerArgs(values);
  const cache = values.modelCache;
  // An emptyDir's weights count as the pod's ephemeral storage: request what sizeLimit allows, so the scheduler
  // picks a node with that much disk (and the kubelet does not evict the pod for using what it asked for).
  const requests: Record<string, string> = { ...values.resources.requests, ...(cache.emptyDir ? { "ephemeral-storage": cache.emptyDir.sizeLimit } : {}) };
  const limits: Record<string, string> = { ...(values.resources.limits ?? {}), "nvidia.com/gpu": String(values.gpus) };
  container.resources = { requests, limits };
  pod.nodeSelector = { ...values.nodeSelector };
  pod.tolerations = values.tolerations.map((t) => ({ ...t }));
  setOptional(pod, "affinity", values.affinity ? structuredClone(values.affinity) : undefined);
  setOptional(pod, "runtimeClassName", values.runtimeClassName);
  setOptional(pod, "priorityClassName", values.priorityClassName);
  setOptional(pod, "imagePullSecrets", values.imagePullSecrets.length > 0 ? values.imagePullSecrets.map((s) => ({ ...s })) : undefined);
  if (container.startupProbe) container.startupProbe = { ...container.startupProbe, ...values.startupProbe };
  const uid = values.runAsUser;
  pod.securityContext = uid === 0
    ? { ...pod.securityContext, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, fsGroup: 0 }
    : { ...pod.securityContext, runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid };

  const volume = (name: string): V1Volume => {
    const v = pod.volumes?.find((x) => x.name === name);
    if (!v) throw new UsageError(`deploy/vllm/deployment.yaml lost its ${name} volume`, restore);
    return v;
  };
  const shm = volume(SHM_VOLUME);
  shm.emptyDir = { ...shm.emptyDir, medium: "Memory", sizeLimit: values.shmSize };
  const model = volume(MODEL_CACHE_VOLUME);
  for (const k of Object.keys(model)) if (k !== "name") delete (model as unknown as Record<string, unknown>)[k];
  if (cache.persistentVolumeClaim) model.persistentVolumeClaim = { claimName: cache.persistentVolumeClaim.claimName };
  else model.emptyDir = { sizeLimit: cache.emptyDir!.sizeLimit };

  // Offline (air-gapped): huggingface_hub and transformers read only the cache on the PVC, never the network.
  const env: V1EnvVar[] = (container.env ?? []).filter((e) => e.name !== "HF_HUB_OFFLINE");
  if (cache.offline) env.push({ name: "HF_HUB_OFFLINE", value: "1" });
  container.env = env;
  return d;
}

/** The PodMonitor with the values' extra labels (kube-prometheus-stack selects PodMonitors by `release`). */
export function renderVllmPodMonitor(source: Manifest, values: Pick<VllmValues, "podMonitor">, namespace: string): Manifest {
  const m = inNamespace(source, namespace);
  m.metadata = { ...m.metadata, labels: { ...values.podMonitor.labels, ...m.metadata.labels } };
  return m;
}

/** Sets an optional pod field, or removes it (so the YAML's absent key and an unset value compare equal). */
function setOptional<T extends object, K extends keyof T>(o: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete o[key];
  else o[key] = value;
}

/** A copy of an object in the namespace. */
export function inNamespace<T extends Manifest>(m: T, namespace: string): T {
  return { ...structuredClone(m), metadata: { ...m.metadata, namespace } };
}
