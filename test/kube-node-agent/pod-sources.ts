/**
 * What a pod's env and volumes read from the API server, with the node's credentials: the Node authorizer allows
 * a node to get a ConfigMap or Secret only when a pod bound to it references it (its graph edge exists even for
 * an object that does not exist yet, so a missing one is a 404, not a 403), to request a token for a pod's
 * ServiceAccount bound to that pod (NodeRestriction checks the boundObjectRef), and to list Services (service
 * links). The kubelet's configmap/secret managers watch single objects; this reads them on each use.
 */
import type { V1ConfigMap, V1Pod, V1Secret, V1Service } from "@kubernetes/client-node";
import type { ApiClient } from "./api-client.ts";

export interface PodSources {
  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  services(namespace: string): Promise<V1Service[]>;
  /** The TokenRequest API: serviceaccounts/<sa>/token bound to the pod (what the kubelet's token manager does). */
  serviceAccountToken(pod: V1Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

export function apiPodSources(api: ApiClient): PodSources {
  return {
    configMap: (ns, name) => api.getOrUndefined<V1ConfigMap>(`/api/v1/namespaces/${ns}/configmaps/${encodeURIComponent(name)}`),
    secret: (ns, name) => api.getOrUndefined<V1Secret>(`/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(name)}`),
    services: async (ns) => (await api.request<{ items: V1Service[] }>("GET", `/api/v1/namespaces/${ns}/services`)).items,
    async serviceAccountToken(pod, audience, expirationSeconds) {
      const ns = pod.metadata!.namespace!;
      const sa = pod.spec?.serviceAccountName || "default";
      const tr = await api.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata!.name, uid: pod.metadata!.uid },
        },
      });
      return tr.status.token;
    },
  };
}
