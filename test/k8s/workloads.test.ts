/**
 * The two workloads: the vLLM Deployment follows deploy/vllm/values.yaml and is sized for a slow first start;
 * the sweep Job is locked down, co-locates with the server, keeps the seed's defaults, and is pinned by a golden.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { V1Probe, V1Service } from "@kubernetes/client-node";
import { sweepConfigSchema } from "../../src/config/sweep-config.ts";
import { pickManifest } from "../../src/k8s/load-manifests.ts";
import { HF_TOKEN_KEY, HF_TOKEN_SECRET, objectMeta } from "../../src/k8s/manifest-names.ts";
import { parseVllmValues, readVllmValues, VLLM_PORT, vllmImage, vllmServerArgs } from "../../src/k8s/vllm-values.ts";
import { MODEL_CACHE_VOLUME, renderVllmDeployment, renderVllmPodMonitor, SHM_VOLUME } from "../../src/k8s/render-vllm-server.ts";
import { assertValidManifest } from "../../src/k8s/kube-schema.ts";
import { IMAGE_CHECK_ANNOTATION } from "../../src/k8s/image-driver-check.ts";
import { literalEnv, loadDeployment, loadFile, loadJob, onlyContainer, podSpec, REPO, VALUES_FILE } from "./manifest-files.ts";

const GOLDEN = `${REPO}test/goldens/job-vllm.yaml`;

describe("the vLLM Deployment", () => {
  it("equals what deploy/vllm/values.yaml describes", async () => {
    const [deployment, values] = await Promise.all([loadDeployment(), readVllmValues(VALUES_FILE)]);
    const container = onlyContainer(deployment);
    expect(container.image).toBe(vllmImage(values));
    expect(container.command).toEqual(["vllm", "serve"]);
    expect(container.args).toEqual(vllmServerArgs(values));
    expect(String(container.resources?.limits?.["nvidia.com/gpu"])).toBe(String(values.gpus));
    expect(container.resources?.requests).toEqual({ ...values.resources.requests, "ephemeral-storage": values.modelCache.emptyDir?.sizeLimit });
    const { "nvidia.com/gpu": _gpu, ...limits } = container.resources?.limits ?? {};
    expect(limits).toEqual(values.resources.limits);
    expect(podSpec(deployment).nodeSelector ?? {}).toEqual(values.nodeSelector);
    expect(podSpec(deployment).tolerations).toEqual(values.tolerations);
    expect(container.startupProbe).toMatchObject(values.startupProbe);
    expect(podSpec(deployment).securityContext).toMatchObject({ runAsUser: values.runAsUser, runAsGroup: values.runAsUser, fsGroup: values.runAsUser });
    const volumes = new Map((podSpec(deployment).volumes ?? []).map((v) => [v.name, v]));
    expect(volumes.get(SHM_VOLUME)).toEqual({ name: SHM_VOLUME, emptyDir: { medium: "Memory", sizeLimit: values.shmSize } });
    expect(volumes.get(MODEL_CACHE_VOLUME)).toEqual({ name: MODEL_CACHE_VOLUME, emptyDir: values.modelCache.emptyDir });
    for (const key of ["affinity", "runtimeClassName", "priorityClassName", "imagePullSecrets"] as const) {
      expect(podSpec(deployment)[key], key).toEqual(key === "imagePullSecrets" && values[key].length === 0 ? undefined : values[key]);
    }
    expect(container.args).toEqual(expect.arrayContaining(["--generation-config", values.generationConfig]));
    // Every field at once: rendering the committed values into deployment.yaml changes nothing.
    expect(renderVllmDeployment(deployment, values, "ns")).toEqual({ ...deployment, metadata: { ...deployment.metadata, namespace: "ns" } });
    const podMonitor = pickManifest(await loadFile("deploy/vllm/podmonitor.yaml"), "PodMonitor");
    expect(renderVllmPodMonitor(podMonitor, values, "ns").metadata.labels).toEqual({ ...values.podMonitor.labels, ...podMonitor.metadata.labels });
  });

  it("the values' other choices land where Kubernetes reads them: a PVC, offline, pod fields, PodMonitor labels", async () => {
    const [deployment, committed] = await Promise.all([loadDeployment(), readVllmValues(VALUES_FILE)]);
    const values = parseVllmValues(
      {
        ...(parse(readFileSync(VALUES_FILE, "utf8")) as object),
        modelCache: { persistentVolumeClaim: { claimName: "weights" }, offline: true },
        shmSize: "8Gi",
        generationConfig: "auto",
        overrideGenerationConfig: { temperature: 0 },
        runtimeClassName: "nvidia",
        priorityClassName: "inference-high",
        imagePullSecrets: [{ name: "regcred" }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1a"] }] }] } } },
        podMonitor: { labels: { release: "kube-prometheus-stack" } },
        listenAddress: "::",
        imageCheck: false,
      },
      "values.yaml",
    );
    const d = renderVllmDeployment(deployment, values, "ns");
    const spec = podSpec(d);
    const container = onlyContainer(d);
    const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
    expect(volumes.get(MODEL_CACHE_VOLUME)).toEqual({ name: MODEL_CACHE_VOLUME, persistentVolumeClaim: { claimName: "weights" } });
    expect(volumes.get(SHM_VOLUME)?.emptyDir).toEqual({ medium: "Memory", sizeLimit: "8Gi" });
    expect(container.resources?.requests).toEqual(committed.resources.requests); // no ephemeral-storage for the weights on a PVC
    expect(container.env).toContainEqual({ name: "HF_HUB_OFFLINE", value: "1" });
    expect(container.args?.slice(-4)).toEqual(["--generation-config", "auto", "--override-generation-config", '{"temperature":0}']);
    expect(spec).toMatchObject({ runtimeClassName: "nvidia", priorityClassName: "inference-high", imagePullSecrets: [{ name: "regcred" }], affinity: values.affinity });
    // IPv6: `vllm serve --host ::`; imageCheck: false as the Deployment's annotation, which vllm-up reads.
    expect(container.args?.[container.args.indexOf("--host") + 1]).toBe("::");
    expect(d.metadata?.annotations).toEqual({ [IMAGE_CHECK_ANNOTATION]: "false" });
    expect(deployment.metadata?.annotations).toBeUndefined();
    expect(renderVllmDeployment(d, committed, "ns").metadata?.annotations).toBeUndefined(); // back to true: gone again
    // The source file is untouched, and the Kubernetes schema accepts the result.
    expect(podSpec(deployment).runtimeClassName).toBeUndefined();
    expect(() => assertValidManifest(d as never, "rendered")).not.toThrow();
    const podMonitor = renderVllmPodMonitor(pickManifest(await loadFile("deploy/vllm/podmonitor.yaml"), "PodMonitor"), values, "ns");
    expect(podMonitor.metadata).toMatchObject({ namespace: "ns", labels: { release: "kube-prometheus-stack", "app.kubernetes.io/name": "vllm" } });
  });

  it("meets Pod Security \"restricted\": non-root, RuntimeDefault seccomp, no escalation, no capabilities, nothing written under /root", async () => {
    const deployment = await loadDeployment();
    const spec = podSpec(deployment);
    const container = onlyContainer(deployment);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    const env = Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    const mounts = (container.volumeMounts ?? []).map((m) => m.mountPath);
    // HOME and HF_HOME lie on mounted (writable) volumes, none of which is under the root user's home.
    for (const dir of [env.HOME, env.HF_HOME]) expect(mounts.some((m) => dir === m || dir?.startsWith(`${m}/`)), dir).toBe(true);
    expect(mounts.filter((m) => m.startsWith("/root"))).toEqual([]);
  });

  it("probes /health on the http port, with 30 minutes for download and load before liveness starts", async () => {
    const deployment = await loadDeployment();
    const container = onlyContainer(deployment);
    const probes: Array<V1Probe | undefined> = [container.startupProbe, container.readinessProbe, container.livenessProbe];
    for (const probe of probes) expect(probe?.httpGet).toEqual({ path: "/health", port: "http" });
    const startup = container.startupProbe!;
    const startupBudgetS = startup.failureThreshold! * startup.periodSeconds!;
    expect(startupBudgetS).toBeGreaterThanOrEqual(30 * 60);
    // The Deployment must not be declared failed while the startup probe is still waiting (plus image pull).
    expect(deployment.spec?.progressDeadlineSeconds).toBeGreaterThan(startupBudgetS);
    expect(container.ports).toEqual([{ name: "http", containerPort: VLLM_PORT, protocol: "TCP" }]);
  });

  it("one GPU, Recreate (a rolling update would need a second GPU), shm in memory, optional HF token", async () => {
    const deployment = await loadDeployment();
    const spec = podSpec(deployment);
    const container = onlyContainer(deployment);
    expect(deployment.spec?.strategy?.type).toBe("Recreate");
    expect(deployment.spec?.replicas).toBe(1);
    expect(spec.enableServiceLinks).toBe(false); // else the `vllm` Service injects VLLM_PORT=tcp://…
    const shm = spec.volumes?.find((v) => v.emptyDir?.medium === "Memory");
    expect(container.volumeMounts).toContainEqual({ name: shm?.name, mountPath: "/dev/shm" });
    expect(container.env).toContainEqual({
      name: "HF_TOKEN",
      valueFrom: { secretKeyRef: { name: HF_TOKEN_SECRET, key: HF_TOKEN_KEY, optional: true } },
    });
    const annotations = { ...deployment.metadata?.annotations, ...deployment.spec?.template.metadata?.annotations };
    expect(Object.keys(annotations).filter((k) => k.startsWith("prometheus.io/"))).toEqual([]);
  });

  it("the Service and the PodMonitor reach the container's named port", async () => {
    const service = pickManifest(await loadFile("deploy/vllm/service.yaml"), "Service") as V1Service;
    expect(service.spec?.ports).toEqual([{ name: "http", port: VLLM_PORT, targetPort: "http", protocol: "TCP" }]);
    const podMonitor = pickManifest(await loadFile("deploy/vllm/podmonitor.yaml"), "PodMonitor") as any;
    expect(podMonitor.spec.podMetricsEndpoints).toEqual([{ port: "http", path: "/metrics", interval: "15s" }]);
  });
});

describe("the sweep Job", () => {
  it("runs non-root with a read-only root filesystem, no privileges and no service-account token", async () => {
    const job = await loadJob();
    const spec = podSpec(job);
    const container = onlyContainer(job);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: spec.securityContext?.runAsUser,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("writes only to emptyDirs: /tmp (also its working directory), and HOME with the tokenizer cache and every other cache", async () => {
    const job = await loadJob();
    const container = onlyContainer(job);
    const env = literalEnv(container);
    const volumes = new Map((podSpec(job).volumes ?? []).map((v) => [v.name, v]));
    const writable = (container.volumeMounts ?? []).filter((m) => volumes.get(m.name)?.emptyDir && !m.readOnly).map((m) => m.mountPath);
    expect(writable).toEqual(expect.arrayContaining(["/tmp", env.HOME]));
    expect(writable).toContain(container.workingDir);
    for (const key of ["HOME", "HF_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "RESULT_DIR"]) {
      expect(writable.some((dir) => env[key] === dir || env[key]?.startsWith(`${dir}/`)), `${key}=${env[key]}`).toBe(true);
    }
  });

  it("fails fast, cleans itself up, never restarts, and has requests and limits", async () => {
    const job = await loadJob();
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(podSpec(job).restartPolicy).toBe("Never");
    const resources = onlyContainer(job).resources;
    for (const r of ["cpu", "memory"]) {
      expect(resources?.requests?.[r]).toBeDefined();
      expect(resources?.limits?.[r]).toBeDefined();
    }
  });

  it("prefers the vLLM pod's node, and tolerates that node's GPU taint", async () => {
    const [job, deployment] = await Promise.all([loadJob(), loadDeployment()]);
    const preferred = podSpec(job).affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(podSpec(job).affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(preferred).toHaveLength(1);
    const term = preferred[0]!.podAffinityTerm;
    expect(term.topologyKey).toBe("kubernetes.io/hostname");
    expect(term.labelSelector?.matchLabels).toEqual(objectMeta("model-server").selector);
    expect(deployment.spec?.template.metadata?.labels).toMatchObject(term.labelSelector?.matchLabels ?? { missing: "" });
    for (const toleration of podSpec(deployment).tolerations ?? []) expect(podSpec(job).tolerations).toContainEqual(toleration);
    expect(podSpec(job).enableServiceLinks).toBe(false);
  });

  it("runs the server's image, so it is cached on the GPU node", async () => {
    const [job, deployment] = await Promise.all([loadJob(), loadDeployment()]);
    expect(onlyContainer(job).image).toBe(onlyContainer(deployment).image);
    expect(onlyContainer(job).image).not.toMatch(/:latest$/);
  });

  it("defaults to the Service of deploy/vllm and the values' model, and to the sweep's defaults", async () => {
    const [job, values, services] = await Promise.all([loadJob(), readVllmValues(VALUES_FILE), loadFile("deploy/vllm/service.yaml")]);
    const env = literalEnv(onlyContainer(job));
    const service = pickManifest(services, "Service") as V1Service;
    expect(env.DEFAULT_BASE_URL).toBe(`http://${service.metadata?.name}:${service.spec?.ports?.[0]?.port}`);
    expect(env.DEFAULT_BENCH_MODEL).toBe(values.servedModelName);
    expect(env.DEFAULT_TOKENIZER).toBe(values.model);
    const sweep = sweepConfigSchema.parse({});
    expect(env.DEFAULT_ENDPOINT).toBe(sweep.endpoint);
    expect(env.CONCURRENCY).toBe(sweep.concurrency.join(" "));
    expect(Number(env.INPUT_LEN)).toBe(sweep.inputLen);
    expect(Number(env.OUTPUT_LEN)).toBe(sweep.outputLen);
    expect(Number(env.SEED)).toBe(sweep.seed);
    expect(Number(env.PROMPTS_PER_STEP)).toBe(sweep.promptsPerStep);
    expect(Number(env.MIN_PROMPTS)).toBe(sweep.minPrompts);
    expect(env.NUM_PROMPTS).toBe("");
  });

  it("leaves the target keys to the bench-target ConfigMap and Secret (an env entry would override envFrom)", async () => {
    const names = (onlyContainer(await loadJob()).env ?? []).map((e) => e.name);
    for (const key of ["BASE_URL", "BENCH_MODEL", "TOKENIZER", "ENDPOINT", "OPENAI_API_KEY"]) expect(names).not.toContain(key);
  });

  it("matches the golden file (UPDATE_GOLDENS=1 to rewrite test/goldens/job-vllm.yaml)", async () => {
    const text = stringify(await loadJob(), { lineWidth: 0 });
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(GOLDEN)) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });
});
