/**
 * `make vllm-up` and `make vllm-down`: the model server's lifecycle. Up runs the optional GPU_NODE_UP hook, checks
 * that a GPU node's driver can run the image's CUDA (image-driver-check.ts; stops at once when none can), applies
 * the Deployment, Service and PodMonitor with server-side apply (field manager `kneepoint`; a cluster
 * without the Prometheus Operator just skips the PodMonitor), then waits, saying which stage it is in:
 * scheduling, node provisioning, image pull, model loading (with vLLM's last log line), ready, and finally
 * `/health` and `/v1/models` through the API server. A timeout names the stage that stalled. A container the
 * kubelet restarted because its startup probe ran out is waited out (the model cache survives the restart); one that
 * exited by itself (a crash) stops the wait at once with its exit code and last log line. Down deletes the
 * three objects, waits for the pods to go (the GPU is free only then) and runs GPU_NODE_DOWN.
 */
import { setTimeout as delay } from "node:timers/promises";
import { spawn } from "node:child_process";
import type { CoreV1Event, V1Deployment, V1Node, V1Pod } from "@kubernetes/client-node";
import { EnvironmentError, UsageError } from "../errors.ts";
import { applyObject, deploymentRefusal, describeRefusal, foreignFields } from "./admission.ts";
import { containerExit, proxyVerdict, restartsByStartupProbe } from "./server-start-verdicts.ts";
import { checkImageDriver, gpuNodeDrivers, IMAGE_CHECK_ANNOTATION, knownImageProblem } from "./image-driver-check.ts";
import { describeKubeError } from "./kube-errors.ts";
import { isKubeStatus, kubeCall, type Kube } from "./kube-client.ts";
import { replicasWaitText } from "./vllm-replicas.ts";
import type { Manifest } from "./load-manifests.ts";
import { objectMeta } from "./manifest-names.ts";
import { describePodStage, type PodStage } from "./pod-progress.ts";
import { serviceProxyFetch } from "./service-proxy.ts";
import { VLLM_PORT } from "./vllm-values.ts";

export interface ServerObjects {
  deployment: V1Deployment & Manifest;
  service: Manifest;
  podMonitor: Manifest | null;
}

export interface UpOptions {
  servedModelName: string;
  timeoutMs: number;
  signal: AbortSignal;
  hook?: string | undefined;
  say(line: string): void;
  pollMs?: number;
  /**
   * Once the pod is Ready, check /health and /v1/models through the API server's service proxy (default). Off
   * (VLLM_UP_PROXY_CHECK=0) for clusters whose control plane cannot reach pods: the pod's readiness is trusted.
   */
  proxyCheck?: boolean;
}


/** Waits, or less when the signal aborts (node's timer removes its abort listener: no leak over a 2 h poll loop). */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);

/** Runs a user's hook command (GPU_NODE_UP / GPU_NODE_DOWN) with sh, its output shown as it comes. */
export async function runHook(name: string, command: string, say: (line: string) => void): Promise<void> {
  say(`${name}: ${command}`);
  const child = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
  const show = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) say(`  │ ${line}`);
  };
  child.stdout.on("data", show);
  child.stderr.on("data", show);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new EnvironmentError(`${name} failed (exit ${code}): ${command}`, `fix the command, or unset ${name} if your cluster autoscales GPU nodes`);
}

/** Server-side apply (field manager kneepoint, conflicts forced); the API server's warnings are said as they come. */
async function apply(kube: Kube, m: Manifest, say: (line: string) => void): Promise<void> {
  const { object, warnings } = await applyObject<Manifest & { metadata: { managedFields?: Parameters<typeof foreignFields>[0] } }>(kube, m, `apply ${m.kind} ${m.metadata.name} in namespace ${kube.namespace}`);
  say(`applied ${m.kind} ${m.metadata.name}`);
  for (const w of warnings) say(`  warning from the API server on ${m.kind} ${m.metadata.name}: ${w}`);
  // Server-side apply keeps fields someone else set (kubectl edit, kubectl set env, an earlier client-side apply):
  // the server would then not be what values.yaml says, silently. Name them.
  for (const [manager, paths] of foreignFields(object.metadata.managedFields)) {
    const shown = paths.slice(0, 6).join(", ") + (paths.length > 6 ? `, and ${paths.length - 6} more` : "");
    say(`  warning: ${m.kind} ${m.metadata.name} keeps fields set by ${manager} that values.yaml does not set: ${shown}; they stay (make vllm-down, then make vllm-up, for a server made of values.yaml alone)`);
  }
}

export async function applyServer(kube: Kube, objects: ServerObjects, say: (line: string) => void): Promise<void> {
  for (const m of [objects.deployment, objects.service]) await apply(kube, m, say);
  if (objects.podMonitor) {
    try {
      await apply(kube, objects.podMonitor, say);
    } catch (err) {
      if (!isKubeStatus(err, 404)) throw describeKubeError(err, `apply PodMonitor ${objects.podMonitor.metadata.name}`, kube);
      say("PodMonitor skipped: this cluster has no Prometheus Operator (monitoring.coreos.com/v1); scrape :8000/metrics your own way");
    }
  }
}

function selector(): string {
  return Object.entries(objectMeta("model-server").selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** The last non-empty line of a pod's log (vLLM's loading progress), or null. */
async function lastLogLine(kube: Kube, pod: string, container: string): Promise<string | null> {
  return (await lastLogLines(kube, pod, container, 3, false)).at(-1) ?? null;
}

/** The last non-empty lines (at most `n`, each cut to 160 characters) of a container's log, or of its previous instance. */
async function lastLogLines(kube: Kube, pod: string, container: string, n: number, previous: boolean): Promise<string[]> {
  try {
    const res = await kube.request(`/api/v1/namespaces/${kube.namespace}/pods/${pod}/log?container=${container}&tailLines=${n}${previous ? "&previous=true" : ""}`, { signal: AbortSignal.timeout(5000) });
    let text = "";
    for await (const c of res) text += String(c);
    return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => l.slice(0, 160));
  } catch {
    return [];
  }
}

/** The events about a pod (scheduling, pulls, probe failures, kills), or none when they cannot be read. */
async function podEvents(kube: Kube, pod: string): Promise<CoreV1Event[]> {
  return kube.core.listNamespacedEvent({ namespace: kube.namespace, fieldSelector: `involvedObject.name=${pod}` }).then((l) => l.items).catch(() => []);
}

/** Creates the namespace when it does not exist; a user who may not read namespaces finds out at the apply. */
async function ensureNamespace(kube: Kube, say: (line: string) => void): Promise<void> {
  try {
    await kube.core.readNamespace({ name: kube.namespace });
  } catch (err) {
    if (!isKubeStatus(err, 404)) return;
    await kubeCall(kube, `create namespace ${kube.namespace}`, () => kube.core.createNamespace({ body: { apiVersion: "v1", kind: "Namespace", metadata: { name: kube.namespace } } }));
    say(`created namespace ${kube.namespace}`);
  }
}

/**
 * Before anything is applied: does the image's CUDA fit a GPU node's driver (image-driver-check.ts)? Stops with a
 * UsageError when no GPU node can run it. Reading nodes is optional: a runner that may not list them (without
 * deploy/node-reader.yaml's ClusterRole) is told so in one line, and true comes back: check the node the pod is
 * scheduled to instead (checkScheduledNode), still minutes before the image is pulled.
 */
export async function checkServerImage(kube: Kube, deployment: V1Deployment, say: (line: string) => void): Promise<boolean> {
  const image = deployment.spec?.template.spec?.containers[0]?.image;
  if (!image) return false;
  if (deployment.metadata?.annotations?.[IMAGE_CHECK_ANNOTATION] === "false") {
    say(`image/driver check skipped (imageCheck: false in values.yaml): ${image}`);
    return false;
  }
  let nodes: V1Node[];
  try {
    nodes = (await kube.core.listNode()).items;
  } catch (err) {
    const problem = knownImageProblem(image);
    if (problem) say(problem);
    const why = isKubeStatus(err, 403) || isKubeStatus(err, 401) ? "this identity may not list nodes" : `listing nodes failed (${(err as Error).message.split("\n")[0]})`;
    say(`image/driver check: ${why}; the node the pod is scheduled to is checked instead, where it may be read (compare the image's CUDA with \`nvidia-smi\` there otherwise)`);
    return true;
  }
  const check = checkImageDriver(image, gpuNodeDrivers(nodes, deployment.spec?.template.spec?.nodeSelector ?? {}));
  for (const line of check.notes) say(line);
  if (check.error) throw new UsageError(check.error.message, check.error.hint);
  return false;
}

/**
 * The same check on the one node the pod was scheduled to, read by name: for runners that may get nodes but not
 * list them. Silent when the node cannot be read or carries no driver label; stops when its driver is too old.
 */
export async function checkScheduledNode(kube: Kube, image: string, nodeName: string, say: (line: string) => void): Promise<void> {
  const node = await kube.core.readNode({ name: nodeName }).catch(() => null);
  if (!node) return;
  const nodes = gpuNodeDrivers([node]);
  if (nodes.labelled.length === 0) return;
  const check = checkImageDriver(image, nodes, nodeName);
  if (check.error) throw new UsageError(check.error.message, `${check.error.hint}. The Deployment is applied: make vllm-down removes it`);
  const fit = check.notes.at(-1);
  if (fit?.includes("GPU nodes that fit: ")) say(fit);
}

/** Applies the server and waits until it answers with the served model. */
export async function vllmUp(kube: Kube, objects: ServerObjects, opts: UpOptions): Promise<{ pod: string; node: string; elapsedS: number }> {
  const started = Date.now();
  if (opts.hook) await runHook("GPU_NODE_UP", opts.hook, opts.say);
  let checkNodeOfPod = await checkServerImage(kube, objects.deployment, opts.say);
  const image = objects.deployment.spec?.template.spec?.containers[0]?.image ?? "";
  await ensureNamespace(kube, opts.say);
  await applyServer(kube, objects, opts.say);
  const container = objects.deployment.spec?.template.spec?.containers[0]?.name ?? "vllm";
  let stage: PodStage = { kind: "scheduling", text: "waiting for the Deployment's pod" };
  const proxyFailures: string[] = [];
  let shown = "";
  let lastLog = "";
  const pollMs = opts.pollMs ?? 2000;
  for (;;) {
    if (opts.signal.aborted) throw new EnvironmentError(`vllm-up stopped by Ctrl-C at: ${stage.text}`, "the Deployment stays applied; run `make vllm-down` to release the GPU");
    const elapsedS = Math.round((Date.now() - started) / 1000);
    if (Date.now() - started > opts.timeoutMs) {
      throw new EnvironmentError(
        `the vLLM server was not ready after ${Math.round(opts.timeoutMs / 60_000)} min; it stalled at: ${stage.text}`,
        stageHint(stage.kind, kube.namespace),
      );
    }
    const pods = await kubeCall(kube, "list the vLLM pods", () => kube.core.listNamespacedPod({ namespace: kube.namespace, labelSelector: selector() }));
    // The newest live pod: not one being deleted, nor an evicted (Failed) pod of an earlier ReplicaSet.
    const created = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
    const pod: V1Pod | undefined = pods.items
      .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded")
      .sort((a, b) => created(b) - created(a))[0];
    if (!pod) {
      // No pod at all: admission (Pod Security, a quota, a LimitRange, a webhook) may have refused it; say so now.
      const refusal = await deploymentRefusal(kube, objects.deployment.metadata.name);
      if (refusal) throw describeRefusal(refusal, `the Deployment ${objects.deployment.metadata.name}`, kube.namespace);
    }
    if (pod) {
      if (checkNodeOfPod && pod.spec?.nodeName) {
        checkNodeOfPod = false;
        await checkScheduledNode(kube, image, pod.spec.nodeName, opts.say);
      }
      const events = await podEvents(kube, pod.metadata!.name!);
      stage = describePodStage(pod, events, { readinessMeansLoaded: true });
      const exit = containerExit(pod, events, container);
      const name = pod.metadata!.name!;
      const lines = exit && !exit.byStartupProbe ? await lastLogLines(kube, name, container, 5, exit.previous) : [];
      // The kubelet writes the Killing event and the container's status separately: look at the events once more
      // before calling an exit a crash, so a status that overtook its event is not taken for one.
      const confirmed = exit && !exit.byStartupProbe ? containerExit(pod, await podEvents(kube, name), container) : null;
      if (confirmed && !confirmed.byStartupProbe) {
        // The server exited by itself (a bad argument, a missing model, out of memory, a CUDA error): restarting
        // will not help, so say why now instead of waiting out the crash-loop back-off.
        for (const l of lines) opts.say(`  │ ${l}`);
        throw new EnvironmentError(
          `the vLLM container crashed on ${pod.spec?.nodeName}: exit ${confirmed.exitCode}${confirmed.reason ? ` (${confirmed.reason})` : ""} after ${confirmed.ranS ?? "?"} s${lines.length ? `: ${lines.at(-1)}` : ""}`,
          confirmed.reason === "OOMKilled"
            ? `raise resources.limits.memory in deploy/vllm/values.yaml; the log: kubectl -n ${kube.namespace} logs ${name}${confirmed.previous ? " --previous" : ""}`
            : `read its log: kubectl -n ${kube.namespace} logs ${name}${confirmed.previous ? " --previous" : ""} (check model, extraArgs and the GPU in deploy/vllm/values.yaml); the Deployment stays applied, make vllm-down removes it`,
        );
      }
      const probeRestarts = restartsByStartupProbe(pod, events, container);
      if (probeRestarts > 0 && (stage.kind === "stuck" || stage.kind === "loading")) {
        // The kubelet restarted the container because the startup probe gave up (a big model still downloading
        // or loading): the weights already in the model-cache volume survive, so the next attempt goes further.
        stage = { kind: "loading", text: `loading the model on ${pod.spec?.nodeName} (restarted ${probeRestarts}× after the startup probe's budget ran out; the downloaded weights are kept — raise startupProbe.failureThreshold in deploy/vllm/values.yaml to avoid restarts)` };
      }
      if (stage.kind === "stuck") throw new EnvironmentError(`the vLLM pod cannot start: ${stage.text}`, stageHint(stage.kind, kube.namespace));
      if (stage.kind === "failed") throw new EnvironmentError(`the vLLM pod ${stage.text}`, `read its log: kubectl -n ${kube.namespace} logs ${pod.metadata?.name} --previous`);
      if (stage.kind === "loading") {
        const line = await lastLogLine(kube, pod.metadata!.name!, container);
        if (line && line !== lastLog) {
          lastLog = line;
          opts.say(`  │ ${line}`);
        }
      }
      // REPLICAS=N: the newest pod Ready is not enough; every replica must be (vllm-replicas.ts).
      const waitingForReplicas = stage.kind === "ready" ? replicasWaitText(pods.items, objects.deployment.spec?.replicas ?? 1) : null;
      if (waitingForReplicas) stage = { kind: "loading", text: waitingForReplicas };
      if (stage.text !== shown) {
        shown = stage.text;
        opts.say(`[${elapsedS}s] ${stage.text}`);
      }
      if (stage.kind === "ready") {
        if (opts.proxyCheck === false) {
          opts.say("ready (the pod's readiness probe passes; the service-proxy check is off: VLLM_UP_PROXY_CHECK=0)");
          return { pod: pod.metadata!.name!, node: pod.spec!.nodeName!, elapsedS };
        }
        const answer = await answers(kube, opts.servedModelName, opts.say);
        if (answer === true) return { pod: pod.metadata!.name!, node: pod.spec!.nodeName!, elapsedS };
        proxyFailures.push(answer);
        const verdict = proxyVerdict(proxyFailures, kube.namespace);
        if (verdict) throw verdict;
      } else proxyFailures.length = 0;
    }
    await sleep(pollMs, opts.signal);
  }
}

/** /health is 200 and /v1/models lists the served model, through the Service: true, or why not. */
async function answers(kube: Kube, model: string, say: (line: string) => void): Promise<true | string> {
  const meta = objectMeta("model-server");
  const f = serviceProxyFetch(kube, { namespace: kube.namespace, name: meta.name, port: String(VLLM_PORT) });
  try {
    const health = await f("http://service/health", { signal: AbortSignal.timeout(10_000) });
    if (!health.ok) return `GET /health through the service proxy: HTTP ${health.status} ${(await health.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 200)}`;
    const models = (await (await f("http://service/v1/models", { signal: AbortSignal.timeout(10_000) })).json()) as { data?: Array<{ id?: string }> };
    const ids = (models.data ?? []).map((m) => m.id);
    if (!ids.includes(model)) {
      throw new EnvironmentError(`the server is up but serves ${ids.join(", ") || "no model"}, not ${model}`, "check servedModelName in deploy/vllm/values.yaml");
    }
    say(`ready: /health answers and /v1/models lists ${model}`);
    return true;
  } catch (err) {
    if (err instanceof EnvironmentError && !/service proxy|unreachable|HTTP \d/.test(err.message)) throw err;
    return `through the service proxy: ${(err as Error).message.split("\n")[0]}`;
  }
}

function stageHint(kind: PodStage["kind"], namespace: string): string {
  switch (kind) {
    case "scheduling":
      return `no node can take the pod: add a GPU node (or set GPU_NODE_UP), check nodeSelector/tolerations in deploy/vllm/values.yaml, and kubectl -n ${namespace} describe pod -l app.kubernetes.io/name=vllm`;
    case "provisioning":
      return "the autoscaler is still adding a node: GPU capacity may be exhausted in this zone; raise VLLM_UP_TIMEOUT or check the node pool's events";
    case "pulling":
      return "the vLLM image is large (~10 GB); raise VLLM_UP_TIMEOUT on a slow registry, or pre-pull it on the node";
    case "loading":
      return `the model is still loading: raise VLLM_UP_TIMEOUT for big models, and read kubectl -n ${namespace} logs deploy/vllm`;
    case "stuck":
      return `kubectl -n ${namespace} describe pod -l app.kubernetes.io/name=vllm (image name, the hf-token Secret, GPU driver)`;
    default:
      return `kubectl -n ${namespace} describe pod -l app.kubernetes.io/name=vllm`;
  }
}

/** Deletes the server's objects, waits for its pods to be gone, then runs the down hook. */
export async function vllmDown(kube: Kube, objects: ServerObjects, opts: { hook?: string | undefined; say(line: string): void; waitMs: number; pollMs?: number }): Promise<void> {
  for (const m of [objects.deployment, objects.service, ...(objects.podMonitor ? [objects.podMonitor] : [])]) {
    try {
      await kube.objects.delete(m, undefined, undefined, undefined, undefined, "Foreground");
      opts.say(`deleted ${m.kind} ${m.metadata.name}`);
    } catch (err) {
      if (isKubeStatus(err, 404)) continue; // already gone, or no Prometheus Operator for the PodMonitor
      throw describeKubeError(err, `delete ${m.kind} ${m.metadata.name}`, kube);
    }
  }
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const pods = await kubeCall(kube, "list the vLLM pods", () => kube.core.listNamespacedPod({ namespace: kube.namespace, labelSelector: selector() }));
    if (pods.items.length === 0) break;
    if (Date.now() > deadline) {
      throw new EnvironmentError(`the vLLM pods are still terminating after ${Math.round(opts.waitMs / 1000)} s: ${pods.items.map((p) => p.metadata?.name).join(", ")}`, `kubectl -n ${kube.namespace} get pods -l app.kubernetes.io/name=vllm`);
    }
    await sleep(opts.pollMs ?? 2000);
  }
  opts.say("the vLLM pods are gone; the GPU is free");
  if (opts.hook) await runHook("GPU_NODE_DOWN", opts.hook, opts.say);
}
