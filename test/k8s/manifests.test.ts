/**
 * Every manifest the repository ships is valid against the real Kubernetes schemas (kube-schema.ts explains the
 * three layers), its names and labels come from objectMeta, and the RBAC grants exactly what the runner needs.
 */
import { describe, expect, it } from "vitest";
import type { V1ConfigMap, V1Job, V1Role, V1RoleBinding, V1Secret } from "@kubernetes/client-node";
import { ENV_KEYS } from "../../src/config/read-sweep-config.ts";
import { pickManifest, type Manifest } from "../../src/k8s/load-manifests.ts";
import {
  BENCH_TARGET_CONFIGMAP,
  BENCH_TARGET_SECRET,
  LABEL,
  objectMeta,
  PART_OF,
  type ObjectKind,
} from "../../src/k8s/manifest-names.ts";
import { isBuiltInKind, metadataErrors, schemaError, unknownFields, validateManifest } from "../../src/k8s/kube-schema.ts";
import { loadFile, loadJob, MANIFEST_FILES } from "./manifest-files.ts";
import { podMonitorSchema } from "./pod-monitor-shape.ts";

describe("every manifest is valid against the Kubernetes schemas", () => {
  for (const file of MANIFEST_FILES) {
    it(file, async () => {
      const manifests = await loadFile(file);
      expect(manifests.length).toBeGreaterThan(0);
      for (const m of manifests) {
        const what = `${file}: ${m.kind} ${m.metadata.name}`;
        if (isBuiltInKind(m)) expect(validateManifest(m), what).toEqual([]);
        else expect(podMonitorSchema.safeParse(m).error?.issues, what).toBeUndefined();
      }
    });
  }
});

describe("the schema checks reject what a cluster would reject", () => {
  const mutatedJob = async (mutate: (job: any) => void): Promise<Manifest> => {
    const job = structuredClone(await loadJob()) as any;
    mutate(job);
    return job as Manifest;
  };

  it("kubernetes-models rejects a bad enum, a wrong type and a missing required field", async () => {
    const pullPolicy = await mutatedJob((j) => (j.spec.template.spec.containers[0].imagePullPolicy = "Sometimes"));
    expect(schemaError(pullPolicy)).toMatch(/containers\/0\/imagePullPolicy must be equal to one of the allowed values/);
    const backoff = await mutatedJob((j) => (j.spec.backoffLimit = "0"));
    expect(schemaError(backoff)).toMatch(/spec\/backoffLimit must be integer/);
    const seccomp = await mutatedJob((j) => (j.spec.template.spec.securityContext.seccompProfile.type = "Default"));
    expect(schemaError(seccomp)).toMatch(/seccompProfile\/type must be equal to one of the allowed values/);
    const quantity = await mutatedJob((j) => (j.spec.template.spec.containers[0].resources.limits.memory = "4 GB"));
    expect(schemaError(quantity)).toMatch(/limits\/memory must match format "quantity"/);
    const envValue = await mutatedJob((j) => j.spec.template.spec.containers[0].env.push({ name: "FLAG", value: true }));
    expect(schemaError(envValue)).toMatch(/env\/\d+\/value must be string/);
    const topology = await mutatedJob((j) => delete j.spec.template.spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey);
    expect(schemaError(topology)).toMatch(/must have required property topologyKey/);
  });

  it("kubernetes-models accepts unknown fields; the client-node model walk catches them", async () => {
    const typo = await mutatedJob((j) => {
      j.spec.backofLimit = 1;
      j.spec.template.spec.containers[0].imagePulPolicy = "Always";
      j.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    });
    expect(schemaError(typo)).toBeUndefined();
    expect(unknownFields(typo).sort()).toEqual([
      "spec.backofLimit",
      "spec.template.spec.containers[0].imagePulPolicy",
      "spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem",
    ]);
  });

  it("a typo stops with the field it meant; a field the v1.33 models lack but a newer cluster may have is left to the API server", async () => {
    const typo = await mutatedJob((j) => {
      j.spec.backofLimit = 1;
      j.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    });
    expect(validateManifest(typo).sort()).toEqual([
      "unknown field spec.backofLimit (did you mean backoffLimit?)",
      "unknown field spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem (did you mean readOnlyRootFilesystem?)",
    ]);
    const newer = await mutatedJob((j) => {
      j.spec.template.spec.containers[0].stopSignalPolicyForTheFuture = "SIGINT";
    });
    expect(unknownFields(newer)).toEqual(["spec.template.spec.containers[0].stopSignalPolicyForTheFuture"]);
    expect(validateManifest(newer)).toEqual([]); // the API server's fieldValidation=Strict decides (admission.ts)
  });

  it("label and name syntax is checked (neither library does)", async () => {
    const bad = await mutatedJob((j) => {
      j.metadata.name = "Vllm_Bench";
      j.spec.template.metadata.labels["kneepoint.dev/run-id"] = "-starts-with-dash";
    });
    expect(schemaError(bad)).toBeUndefined();
    expect(metadataErrors(bad)).toEqual([
      "metadata.name 'Vllm_Bench' is not a valid Job name",
      "spec.template.metadata.labels: bad label value '-starts-with-dash' of kneepoint.dev/run-id",
    ]);
  });

  it("the PodMonitor shape rejects ServiceMonitor's `endpoints` and a bad duration", async () => {
    const podMonitor = pickManifest(await loadFile("deploy/vllm/podmonitor.yaml"), "PodMonitor") as any;
    const { podMetricsEndpoints, ...rest } = podMonitor.spec;
    const wrongKey = { ...podMonitor, spec: { ...rest, endpoints: podMetricsEndpoints } };
    expect(podMonitorSchema.safeParse(wrongKey).error?.issues.map((i) => i.code)).toContain("unrecognized_keys");
    const badInterval = structuredClone(podMonitor);
    badInterval.spec.podMetricsEndpoints[0].interval = "15 seconds";
    expect(podMonitorSchema.safeParse(badInterval).error?.issues[0]?.message).toBe("must be a Prometheus duration such as 15s");
  });
});

describe("names and labels come from objectMeta", () => {
  const owned: Array<[file: string, kind: string, objectKind: ObjectKind]> = [
    ["deploy/vllm/deployment.yaml", "Deployment", "model-server"],
    ["deploy/vllm/service.yaml", "Service", "model-server"],
    ["deploy/vllm/podmonitor.yaml", "PodMonitor", "model-server"],
    ["benchmarks/job.yaml", "Job", "bench-job"],
    ["benchmarks/rbac.yaml", "ServiceAccount", "runner"],
    ["benchmarks/rbac.yaml", "Role", "runner"],
    ["benchmarks/rbac.yaml", "RoleBinding", "runner"],
    ["deploy/node-reader.yaml", "ClusterRole", "node-reader"],
  ];
  for (const [file, kind, objectKind] of owned) {
    it(`${file} ${kind}`, async () => {
      const expected = objectMeta(objectKind);
      const m = pickManifest(await loadFile(file), kind, expected.name) as Manifest & { spec?: any };
      expect(m.metadata.labels).toEqual(expected.labels);
      if (m.spec?.template) expect(m.spec.template.metadata.labels).toEqual(expected.labels);
      const selector = m.spec?.selector?.matchLabels ?? (kind === "Service" ? m.spec.selector : undefined);
      if (selector !== undefined) expect(selector).toEqual(expected.selector);
    });
  }

  it("the vllm-operator Role and its binding", async () => {
    const expected = objectMeta("vllm-operator");
    const rbac = await loadFile("benchmarks/rbac.yaml");
    for (const kind of ["Role", "RoleBinding"]) expect(pickManifest(rbac, kind, expected.name).metadata.labels).toEqual(expected.labels);
  });

  it("the user's bench-target examples carry only the part-of label (kneepoint does not manage them)", async () => {
    for (const file of ["benchmarks/bench-target.example.yaml", "benchmarks/bench-target-auth.example.yaml"]) {
      const [m] = await loadFile(file);
      expect(m?.metadata.labels).toEqual({ [LABEL.partOf]: PART_OF });
    }
  });
});

describe("bench-target examples", () => {
  it("the ConfigMap holds the seed's four keys, each one the sweep also reads from the environment", async () => {
    const cm = pickManifest(await loadFile("benchmarks/bench-target.example.yaml"), "ConfigMap") as V1ConfigMap;
    expect(cm.metadata?.name).toBe(BENCH_TARGET_CONFIGMAP);
    expect(Object.keys(cm.data ?? {}).sort()).toEqual(["BASE_URL", "BENCH_MODEL", "ENDPOINT", "TOKENIZER"]);
    for (const key of Object.keys(cm.data ?? {})) expect(Object.keys(ENV_KEYS)).toContain(key);
    expect(cm.data?.BASE_URL).not.toMatch(/\/v1\/?$/); // vllm bench serve appends the endpoint to the root
  });

  it("the Secret holds a placeholder OPENAI_API_KEY and nothing else", async () => {
    const secret = pickManifest(await loadFile("benchmarks/bench-target-auth.example.yaml"), "Secret") as V1Secret;
    expect(secret.metadata?.name).toBe(BENCH_TARGET_SECRET);
    expect(Object.keys(secret.stringData ?? {})).toEqual(["OPENAI_API_KEY"]);
    expect(secret.stringData?.OPENAI_API_KEY).toMatch(/^sk-REPLACE/);
    expect(secret.data).toBeUndefined();
  });

  it("the Job reads both, optionally, by these names", async () => {
    const envFrom = (await loadJob()).spec?.template.spec?.containers[0]?.envFrom;
    expect(envFrom).toEqual([
      { configMapRef: { name: BENCH_TARGET_CONFIGMAP, optional: true } },
      { secretRef: { name: BENCH_TARGET_SECRET, optional: true } },
    ]);
  });
});

describe("RBAC", () => {
  const grants = (role: V1Role): string[] =>
    (role.rules ?? []).flatMap((r) =>
      (r.apiGroups ?? [""]).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g || "core"}/${res}:${v}`))),
    ).sort();

  it("the runner Role grants exactly what `make bench` needs", async () => {
    const role = pickManifest(await loadFile("benchmarks/rbac.yaml"), "Role", "kneepoint-runner") as V1Role;
    expect(grants(role)).toEqual(
      [
        ...["create", "delete", "get", "list", "watch"].map((v) => `batch/jobs:${v}`),
        ...["get", "list", "watch"].map((v) => `core/pods:${v}`),
        "core/pods/log:get",
        ...["create", "get", "delete"].map((v) => `core/configmaps:${v}`),
        "core/events:list",
        "apps/deployments:get",
        "core/services/proxy:get",
        "core/services/proxy:create",
        "discovery.k8s.io/endpointslices:list",
      ].sort(),
    );
    expect(grants(role).some((g) => g.includes("*") || g.startsWith("core/secrets"))).toBe(false);
  });

  it("the vllm-operator Role can create and delete every object of deploy/vllm/", async () => {
    const role = pickManifest(await loadFile("benchmarks/rbac.yaml"), "Role", "kneepoint-vllm-operator") as V1Role;
    for (const resource of ["apps/deployments", "core/services", "monitoring.coreos.com/podmonitors"]) {
      for (const verb of ["create", "get", "delete"]) expect(grants(role)).toContain(`${resource}:${verb}`);
    }
    expect(grants(role)).toContain("core/events:watch");
  });

  it("each RoleBinding binds an existing Role to the runner ServiceAccount", async () => {
    const rbac = await loadFile("benchmarks/rbac.yaml");
    const roles = rbac.filter((m) => m.kind === "Role").map((m) => m.metadata.name);
    const bindings = rbac.filter((m) => m.kind === "RoleBinding") as V1RoleBinding[];
    expect(bindings.map((b) => b.roleRef.name).sort()).toEqual(roles.sort());
    for (const b of bindings) {
      expect(b.roleRef).toMatchObject({ apiGroup: "rbac.authorization.k8s.io", kind: "Role" });
      expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: objectMeta("runner").name }]);
    }
  });

  it("the Job itself needs no credentials", async () => {
    const job = (await loadJob()) as V1Job;
    expect(job.spec?.template.spec?.automountServiceAccountToken).toBe(false);
    expect(job.spec?.template.spec?.serviceAccountName).toBeUndefined();
  });
});
