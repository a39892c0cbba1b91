/**
 * What the API server fills in before validation and storage (SetDefaults_* of the built-in types, the Job
 * strategy's generated selector, Service cluster IP allocation, Secret stringData), so that what the runner
 * reads back looks like what a cluster gives.
 */
import type { KubeObject } from "./object-store.ts";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return (typeof v === "object" && v !== null && !Array.isArray(v) ? v : {}) as Obj;
}

function setDefault(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

function defaultImagePullPolicy(image: unknown): string {
  if (typeof image !== "string") return "IfNotPresent";
  const afterSlash = image.slice(image.lastIndexOf("/") + 1);
  if (image.includes("@")) return "IfNotPresent";
  const tag = afterSlash.includes(":") ? afterSlash.slice(afterSlash.indexOf(":") + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultContainer(c: Obj, isPod: boolean): void {
  setDefault(c, "imagePullPolicy", defaultImagePullPolicy(c.image));
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  for (const p of (c.ports as Obj[] | undefined) ?? []) setDefault(p, "protocol", "TCP");
  setDefault(c, "resources", {});
  if (isPod) {
    // SetDefaults_Pod: a limit without a request becomes the request.
    const resources = obj(c.resources);
    const limits = obj(resources.limits);
    if (Object.keys(limits).length > 0) {
      const requests = obj(resources.requests);
      for (const [k, v] of Object.entries(limits)) setDefault(requests, k, v);
      resources.requests = requests;
    }
  }
}

export function defaultPodSpec(spec: Obj, isPod: boolean): void {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "securityContext", {});
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "enableServiceLinks", true);
  for (const c of (spec.containers as Obj[] | undefined) ?? []) defaultContainer(c, isPod);
  for (const c of (spec.initContainers as Obj[] | undefined) ?? []) defaultContainer(c, isPod);
  for (const v of (spec.volumes as Obj[] | undefined) ?? []) {
    if (v.configMap) setDefault(obj(v.configMap), "defaultMode", 0o644);
    if (v.secret) setDefault(obj(v.secret), "defaultMode", 0o644);
  }
  if (isPod) {
    setDefault(spec, "serviceAccountName", "default");
    setDefault(spec, "priority", 0);
    setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
    // The DefaultTolerationSeconds admission plugin.
    const tolerations = (spec.tolerations as Obj[] | undefined) ?? [];
    for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
      if (!tolerations.some((t) => t.key === key)) tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    }
    spec.tolerations = tolerations;
  }
}

function defaultTemplate(spec: Obj): void {
  const template = obj(spec.template);
  template.metadata = obj(template.metadata);
  template.spec = obj(template.spec);
  defaultPodSpec(template.spec as Obj, false);
  spec.template = template;
}

/** Defaults applied on create and on every update of the main resource. */
export function applyDefaults(o: KubeObject, allocateClusterIp: () => string): void {
  const spec = obj(o.spec);
  switch (o.kind) {
    case "Pod":
      defaultPodSpec(spec, true);
      o.spec = spec;
      break;
    case "Deployment": {
      setDefault(spec, "replicas", 1);
      setDefault(spec, "revisionHistoryLimit", 10);
      setDefault(spec, "progressDeadlineSeconds", 600);
      const strategy = obj(spec.strategy);
      setDefault(strategy, "type", "RollingUpdate");
      if (strategy.type === "RollingUpdate") setDefault(strategy, "rollingUpdate", { maxUnavailable: "25%", maxSurge: "25%" });
      spec.strategy = strategy;
      defaultTemplate(spec);
      o.spec = spec;
      break;
    }
    case "ReplicaSet":
      setDefault(spec, "replicas", 1);
      defaultTemplate(spec);
      o.spec = spec;
      break;
    case "Job": {
      setDefault(spec, "parallelism", 1);
      setDefault(spec, "completions", 1);
      setDefault(spec, "backoffLimit", 6);
      setDefault(spec, "completionMode", "NonIndexed");
      setDefault(spec, "suspend", false);
      setDefault(spec, "podReplacementPolicy", "TerminatingOrFailed");
      defaultTemplate(spec);
      o.spec = spec;
      break;
    }
    case "Service": {
      setDefault(spec, "type", "ClusterIP");
      setDefault(spec, "sessionAffinity", "None");
      setDefault(spec, "internalTrafficPolicy", "Cluster");
      for (const p of (spec.ports as Obj[] | undefined) ?? []) {
        setDefault(p, "protocol", "TCP");
        setDefault(p, "targetPort", p.port);
      }
      if (spec.clusterIP === undefined) {
        spec.clusterIP = allocateClusterIp();
        spec.clusterIPs = [spec.clusterIP];
      }
      setDefault(spec, "ipFamilies", ["IPv4"]);
      setDefault(spec, "ipFamilyPolicy", "SingleStack");
      o.spec = spec;
      setDefault(o, "status", { loadBalancer: {} });
      break;
    }
    case "Secret": {
      setDefault(o, "type", "Opaque");
      const stringData = obj(o.stringData);
      if (Object.keys(stringData).length > 0) {
        const data = obj(o.data);
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
        o.data = data;
      }
      delete o.stringData;
      break;
    }
    case "Namespace":
      o.metadata.labels = { ...o.metadata.labels, "kubernetes.io/metadata.name": o.metadata.name };
      o.spec = { finalizers: ["kubernetes"], ...spec };
      o.status = { phase: "Active", ...obj(o.status) };
      break;
  }
}

/** The Job strategy's generated selector and labels (when spec.manualSelector is not true). */
export function generateJobSelector(job: KubeObject): void {
  const spec = obj(job.spec);
  if (spec.manualSelector === true) return;
  const uid = job.metadata.uid!;
  const template = obj(spec.template);
  const metadata = obj(template.metadata);
  metadata.labels = {
    ...obj(metadata.labels),
    "batch.kubernetes.io/controller-uid": uid,
    "batch.kubernetes.io/job-name": job.metadata.name,
    "controller-uid": uid,
    "job-name": job.metadata.name,
  };
  template.metadata = metadata;
  spec.template = template;
  spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
}
