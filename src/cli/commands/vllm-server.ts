/**
 * `kneepoint vllm-up` / `kneepoint vllm-down` (what `make vllm-up` / `make vllm-down` run): the vLLM model
 * server of deploy/vllm/, with deploy/vllm/values.yaml applied, in NAMESPACE.
 */
import { Command } from "commander";
import type { V1Deployment } from "@kubernetes/client-node";
import { UsageError } from "../../errors.ts";
import { connectKube } from "../../k8s/kube-client.ts";
import { pickManifest, readManifests, type Manifest } from "../../k8s/load-manifests.ts";
import { inNamespace, renderVllmDeployment, renderVllmPodMonitor } from "../../k8s/render-vllm-server.ts";
import { readVllmValues, samplingDefaults, withReplicasFromEnv, type VllmValues } from "../../k8s/vllm-values.ts";
import { assertValidManifest } from "../../k8s/kube-schema.ts";
import { vllmDown, vllmUp, type ServerObjects } from "../../k8s/vllm-server.ts";
import { installInterrupt } from "../interrupt.ts";
import { io } from "./sweep.ts";

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

export function registerVllmServerCommands(program: Command): void {
  program.addCommand(
    new Command("vllm-up")
      .summary("deploy the vLLM server of deploy/vllm/ and wait until it serves the model (make vllm-up)")
      .description(
        "Applies deploy/vllm/ (values from deploy/vllm/values.yaml) in NAMESPACE and waits, showing the stage: scheduling,\n" +
          "node provisioning, image pull, model loading, ready. A pod the namespace refuses (Pod Security, a quota, a\n" +
          "LimitRange, a webhook) stops it at once with the reason. Environment: NAMESPACE, VLLM_VALUES (another values\n" +
          "file), GPU_NODE_UP (a command that adds a GPU node, for node pools without an autoscaler), VLLM_UP_TIMEOUT\n" +
          "(minutes, default 45), REPLICAS (server pods, over values.yaml's replicas), VLLM_UP_PROXY_CHECK=0 (trust the pod's readiness where the API server cannot reach pods).",
      )
      .option("--namespace <ns>", "namespace (env NAMESPACE; default serving)")
      .option("--values <file>", "values file (env VLLM_VALUES; default deploy/vllm/values.yaml), e.g. one per model")
      .action(async (o: { namespace?: string; values?: string }) => {
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
      }),
  );
  program.addCommand(
    new Command("vllm-down")
      .summary("delete the vLLM server and release its GPU (make vllm-down)")
      .description("Deletes the vLLM Deployment, Service and PodMonitor from NAMESPACE, waits until the pods are gone, then runs\nGPU_NODE_DOWN if set (a command that removes the GPU node). Safe to run twice.")
      .option("--namespace <ns>", "namespace (env NAMESPACE; default serving)")
      .option("--values <file>", "values file (env VLLM_VALUES; default deploy/vllm/values.yaml)")
      .action(async (o: { namespace?: string; values?: string }) => {
        const out = io();
        const say = (s: string) => out.stderr.write(s + "\n");
        const kube = connectKube({ namespace: o.namespace ?? process.env.NAMESPACE });
        const { objects } = await loadServer(kube.namespace, valuesFile(o.values));
        await vllmDown(kube, objects, { hook: process.env.GPU_NODE_DOWN?.trim() || undefined, say, waitMs: 10 * 60_000 });
        out.stdout.write(`vLLM deleted from namespace ${kube.namespace}\n`);
      }),
  );
}
