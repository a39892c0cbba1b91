/**
 * The resources the double serves, and the discovery documents built from them (what client-node's
 * KubernetesObjectApi reads to turn apiVersion + kind into a URL).
 */
export interface ResourceInfo {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  /** Subresources served, e.g. ["status"], ["log", "status"], ["proxy"]. */
  subresources: string[];
  /** metadata.generation is kept (set to 1, bumped when anything but metadata and status changes). */
  generation: boolean;
  /** DELETE answers with the object itself rather than a Success Status (pods, services, namespaces). */
  returnsDeletedObject: boolean;
}

const ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function r(info: Omit<ResourceInfo, "verbs" | "subresources" | "generation" | "returnsDeletedObject"> & Partial<ResourceInfo>): ResourceInfo {
  return { verbs: ALL, subresources: [], generation: false, returnsDeletedObject: false, ...info };
}

export const BUILT_IN_RESOURCES: readonly ResourceInfo[] = [
  r({ group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false, shortNames: ["ns"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: ["status"], returnsDeletedObject: true }),
  r({ group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node", namespaced: false, shortNames: ["no"], verbs: ["get", "list", "watch"], subresources: ["status"] }),
  r({ group: "", version: "v1", plural: "configmaps", singular: "configmap", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] }),
  r({ group: "", version: "v1", plural: "secrets", singular: "secret", kind: "Secret", namespaced: true }),
  r({ group: "", version: "v1", plural: "serviceaccounts", singular: "serviceaccount", kind: "ServiceAccount", namespaced: true, shortNames: ["sa"] }),
  r({ group: "", version: "v1", plural: "services", singular: "service", kind: "Service", namespaced: true, shortNames: ["svc"], subresources: ["proxy", "status"], returnsDeletedObject: true }),
  r({ group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod", namespaced: true, shortNames: ["po"], subresources: ["log", "status"], generation: true, returnsDeletedObject: true }),
  r({ group: "", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true, shortNames: ["ev"] }),
  r({ group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment", namespaced: true, shortNames: ["deploy"], subresources: ["status"], generation: true }),
  r({ group: "apps", version: "v1", plural: "replicasets", singular: "replicaset", kind: "ReplicaSet", namespaced: true, shortNames: ["rs"], subresources: ["status"], generation: true }),
  r({ group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job", namespaced: true, subresources: ["status"], generation: true }),
  r({ group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", singular: "role", kind: "Role", namespaced: true }),
  r({ group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", singular: "rolebinding", kind: "RoleBinding", namespaced: true }),
  r({ group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", singular: "clusterrole", kind: "ClusterRole", namespaced: false }),
];

/** CRDs a test may install (`options.crds`). */
export const CRD_RESOURCES: Record<string, ResourceInfo> = {
  "podmonitors.monitoring.coreos.com": r({ group: "monitoring.coreos.com", version: "v1", plural: "podmonitors", singular: "podmonitor", kind: "PodMonitor", namespaced: true, shortNames: ["pmon"], generation: true }),
};

export function apiVersionOf(res: ResourceInfo): string {
  return res.group === "" ? res.version : `${res.group}/${res.version}`;
}

export class ResourceTable {
  readonly resources: readonly ResourceInfo[];
  constructor(crds: readonly string[]) {
    this.resources = [...BUILT_IN_RESOURCES, ...crds.map((name) => CRD_RESOURCES[name]!)];
  }

  byPlural(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.resources.find((x) => x.group === group && x.version === version && x.plural === plural);
  }

  byKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.resources.find((x) => apiVersionOf(x) === apiVersion && x.kind === kind);
  }

  /** A kind ("Job"), a plural ("jobs") or a qualified plural ("jobs.batch"), for the test helpers. */
  lookup(kindOrPlural: string): ResourceInfo {
    const found = this.resources.find(
      (x) => x.kind === kindOrPlural || x.plural === kindOrPlural || `${x.plural}.${x.group}` === kindOrPlural,
    );
    if (!found) throw new Error(`the double serves no resource called ${kindOrPlural}`);
    return found;
  }

  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const x of this.resources) if (x.group !== "") seen.set(`${x.group}/${x.version}`, { group: x.group, version: x.version });
    return [...seen.values()];
  }

  /** GET /api/v1 or /apis/{group}/{version}: an APIResourceList, subresources listed as `pods/log`. */
  resourceList(group: string, version: string): Record<string, unknown> | undefined {
    const here = this.resources.filter((x) => x.group === group && x.version === version);
    if (here.length === 0) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const x of here) {
      const entry: Record<string, unknown> = { name: x.plural, singularName: x.singular, namespaced: x.namespaced, kind: x.kind, verbs: x.verbs };
      if (x.shortNames) entry.shortNames = x.shortNames;
      resources.push(entry);
      for (const sub of x.subresources) {
        const verbs = sub === "log" ? ["get"] : sub === "proxy" ? ["create", "delete", "get", "patch", "update"] : ["get", "patch", "update"];
        const kind = sub === "proxy" ? "ServiceProxyOptions" : x.kind; // pods/log and */status name their own kind
        resources.push({ name: `${x.plural}/${sub}`, singularName: "", namespaced: x.namespaced, kind, verbs });
      }
    }
    return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group === "" ? version : `${group}/${version}`, resources };
  }

  /** GET /apis: an APIGroupList. */
  groupList(): Record<string, unknown> {
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: this.groupVersions().map(({ group, version }) => ({
        name: group,
        versions: [{ groupVersion: `${group}/${version}`, version }],
        preferredVersion: { groupVersion: `${group}/${version}`, version },
      })),
    };
  }
}
