/**
 * What `kneepoint vllm-up` / `vllm-down` do (commands/vllm-server.ts defines their flags and help): their own module,
 * loaded when one of them runs, because the Kubernetes client and schemas are most of the CLI's start-up time.
 */
import type { V1Deployment } from "@kubernetes/client-node";
import { UsageError } from "../errors.ts";
import { connectKube } from "../k8s/kube-client.ts";
import { pickManifest, readManifests, type Manifest } from "../k8s/load-manifests.ts";
import { inNamespace, renderVllmDeployment, renderVllmPodMonitor } from "../k8s/render-vllm-server.ts";
import { readVllmValues, samplingDefaults, withReplicasFromEnv, type VllmValues } from "../k8s/vllm-values.ts";
import { assertValidManifest } from "../k8s/kube-schema.ts";
import { vllmDown, vllmUp, type ServerObjects } from "../k8s/vllm-server.ts";
import { installInterrupt } from "./interrupt.ts";
import { io } from "./commands/sweep.ts";

export interface VllmServerFlags {
  namespace?: string;
  values?: string;
}

/** The values file: --values, else VLLM_VALUES, else deploy/vllm/values.yaml. */
const valuesFile = (flag: string | undefined) => flag?.trim() || process.env.VLLM_VALUES?.trim() || "deploy/vllm/values.yaml";

async function loadServer(namespace: string, values_: string): Promise<{ objects: ServerObjects; servedModelName: string; values: VllmValues }> {
  const values = withReplicasFromEnv(await readVllmValues(values_), process.env.REPLICAS);
  const deployment = pickManifest(await readManifests("deploy/vllm/deployment.yaml"), "Deployment") as V1Deployment & Manifest;
  const service = pickManifest(await readManifests("deploy/vllm/service.yaml"), "Service");
  const podMonitor = pickManifest(await readManifests("deploy/vllm/podmonitor.yaml"), "PodMonitor");
  const objects: ServerObjects = {
    deployment: renderVllmDeployment(deployment, values, namespace) as V1Deployment & Manifest,
    service: inNamespace(service, namespace),
    podMonitor: renderVllmPodMonitor(podMonitor, values, namespace),
  };
  assertValidManifest(objects.deployment, `deploy/vllm/deployment.yaml + ${values_}`);
  assertValidManifest(objects.service, "deploy/vllm/service.yaml");
  return {
    objects,
    servedModelName: values.servedModelName,
    values,
  };
}

function minutes(env: string | undefined, name: string, fallback: number): number {
  if (!env?.trim()) return fallback;
  const v = Number(env);
  if (!(v > 0)) throw new UsageError(`${name} must be positive minutes, got '${env}'`, `e.g. ${name}=60`);
  return v;
}

export async function runVllmUp(o: VllmServerFlags): Promise<void> {
  const out = io();
  const say = (s: string) => out.stderr.write(s + "\n");
  const kube = connectKube({ namespace: o.namespace ?? process.env.NAMESPACE });
  const { objects, servedModelName, values } = await loadServer(kube.namespace, valuesFile(o.values));
  say(`vllm-up: ${objects.deployment.spec?.template.spec?.containers[0]?.image} serving ${servedModelName} in namespace ${kube.namespace} (context ${kube.context})`);
  say(`sampling defaults: ${samplingDefaults(values)}`);
  if (values.replicas > 1) say(`replicas: ${values.replicas} server pods behind the vllm Service (each with ${values.gpus} GPU${values.gpus === 1 ? "" : "s"}); vllm-up waits for all of them`);
  const cache = values.modelCache;
  say(
    cache.persistentVolumeClaim
      ? `model cache: PersistentVolumeClaim ${cache.persistentVolumeClaim.claimName}${cache.offline ? " (offline: HF_HUB_OFFLINE=1)" : ""}`
      : `model cache: emptyDir of up to ${cache.emptyDir?.sizeLimit} (downloaded again on each vllm-up; modelCache.persistentVolumeClaim keeps it)`,
  );
  const interrupt = installInterrupt({ graceMs: 0, onStop: () => say("stopping the wait (the Deployment stays applied)"), onAbort: () => undefined });
  try {
    const up = await vllmUp(kube, objects, {
      servedModelName,
      timeoutMs: minutes(process.env.VLLM_UP_TIMEOUT, "VLLM_UP_TIMEOUT", 45) * 60_000,
      signal: interrupt.stop,
      hook: process.env.GPU_NODE_UP?.trim() || undefined,
      say,
      proxyCheck: process.env.VLLM_UP_PROXY_CHECK?.trim() !== "0",
    });
    out.stdout.write(`vLLM is serving ${servedModelName} at http://vllm.${kube.namespace}:8000 (pod ${up.pod} on ${up.node}, ${up.elapsedS} s). Next: make bench\n`);
  } finally {
    interrupt.dispose();
  }
}

export async function runVllmDown(o: VllmServerFlags): Promise<void> {
  const out = io();
  const say = (s: string) => out.stderr.write(s + "\n");
  const kube = connectKube({ namespace: o.namespace ?? process.env.NAMESPACE });
  const { objects } = await loadServer(kube.namespace, valuesFile(o.values));
  await vllmDown(kube, objects, { hook: process.env.GPU_NODE_DOWN?.trim() || undefined, say, waitMs: 10 * 60_000 });
  out.stdout.write(`vLLM deleted from namespace ${kube.namespace}\n`);
}
