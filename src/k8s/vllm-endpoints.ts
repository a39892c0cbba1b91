/**
 * The pods behind the model server's Service (make vllm-up REPLICAS=N, or any Service in front of several vLLM pods),
 * from its EndpointSlices (`kubernetes.io/service-name=<name>`), and how to reach each pod's own /metrics:
 *   - from a pod in the cluster (a scenario Job): `http://<pod IP>:<port>/metrics` (podMetricsUrls), passed as
 *     `kneepoint run --metrics-url …` once per pod — the Service's address reaches one pod at random per connection;
 *   - from this machine: through the API server's pod proxy (`/api/v1/namespaces/<ns>/pods/<name>:<port>/proxy/metrics`,
 *     podProxyMetricsTargets + podProxyFetch, with the kubeconfig's credentials; needs `get` on pods/proxy).
 * Co-location (co-location.ts) reads the same endpoints for the pods' nodes.
 */
import type { Kube } from "./kube-client.ts";
import type { ServiceRef } from "./service-proxy.ts";
import type { PlacedPod } from "./co-location.ts";
import type { MetricsTarget } from "../server-metrics/direct-scraper.ts";

async function getJson<T>(kube: Kube, path: string): Promise<T> {
  const res = await kube.request(path, { signal: AbortSignal.timeout(10_000) });
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
}

export interface EndpointSliceList {
  items?: Array<{
    addressType?: string;
    ports?: Array<{ name?: string; port?: number }>;
    endpoints?: Array<{ addresses?: string[]; nodeName?: string; conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string; namespace?: string } }>;
  }>;
}

/** A pod behind a Service: its name, node, first address, and the Service's target port on it. */
export interface ServiceEndpoint extends PlacedPod {
  address?: string;
  port?: number;
}

/**
 * The pods of a Service's EndpointSlices (pure): ready endpoints that are Pods, once each, with the slice's port
 * (the one named `portName`, or the only one).
 */
export function endpointsOfSlices(list: EndpointSliceList, portName?: string): ServiceEndpoint[] {
  const seen = new Map<string, ServiceEndpoint>();
  for (const slice of list.items ?? []) {
    const ports = slice.ports ?? [];
    const port = (portName ? ports.find((p) => p.name === portName) : ports.length === 1 ? ports[0] : undefined)?.port;
    for (const e of slice.endpoints ?? []) {
      if (e.targetRef?.kind !== "Pod" || !e.targetRef.name || e.conditions?.ready === false) continue;
      const address = e.addresses?.[0];
      seen.set(e.targetRef.name, { pod: e.targetRef.name, ...(e.nodeName ? { node: e.nodeName } : {}), ...(address ? { address } : {}), ...(port ? { port } : {}) });
    }
  }
  return [...seen.values()];
}

/** The pods behind a Service, from its EndpointSlices (the `kubernetes.io/service-name` label). */
export async function readServiceEndpointPods(kube: Kube, service: ServiceRef): Promise<ServiceEndpoint[]> {
  const selector = encodeURIComponent(`kubernetes.io/service-name=${service.name}`);
  const list = await getJson<EndpointSliceList>(kube, `/apis/discovery.k8s.io/v1/namespaces/${service.namespace}/endpointslices?labelSelector=${selector}`);
  return endpointsOfSlices(list, /^\d+$/.test(service.port) ? undefined : service.port);
}

/**
 * Each pod's own /metrics URL, for a load pod inside the cluster (a scenario Job: `kneepoint run --metrics-url …`
 * once per pod), since the Service's address reaches one pod at random per connection: `http://<pod IP>:<port>/metrics`
 * (IPv6 in brackets). Pods without an address or port are left out.
 */
export function podMetricsUrls(endpoints: readonly ServiceEndpoint[], path = "/metrics"): string[] {
  return endpoints.filter((e) => e.address && e.port).map((e) => `http://${e.address!.includes(":") ? `[${e.address}]` : e.address}:${e.port}${path}`);
}

/** Each pod's /metrics through the API server's pod proxy, named by pod (for the direct scraper's targets). */
export function podProxyMetricsTargets(kube: Pick<Kube, "server">, namespace: string, endpoints: readonly ServiceEndpoint[], path = "/metrics"): MetricsTarget[] {
  const base = kube.server.replace(/\/+$/, "");
  return endpoints.filter((e) => e.port).map((e) => ({ pod: e.pod, url: `${base}/api/v1/namespaces/${namespace}/pods/${e.pod}:${e.port}/proxy${path}` }));
}

/**
 * A fetch that sends URLs on the API server (podProxyMetricsTargets') through the kubeconfig's connection and any
 * other URL as fetch does. The caller's Authorization header is not sent to the API server (it authenticates with
 * the kubeconfig and strips it before proxying).
 */
export function podProxyFetch(kube: Pick<Kube, "server" | "request">): typeof fetch {
  const base = kube.server.replace(/\/+$/, "");
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
    if (!url.startsWith(`${base}/`)) return fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      if (k !== "authorization") headers[k] = v;
    });
    const res = await kube.request(url.slice(base.length), { headers, anyStatus: true, ...(init?.signal ? { signal: init.signal } : {}) });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return new Response(Buffer.concat(chunks), { status: res.statusCode ?? 502 });
  }) as typeof fetch;
}

/** The Service's pods' own /metrics URLs by pod IP, for a load pod inside the cluster. */
export async function readPodMetricsUrls(kube: Kube, service: ServiceRef): Promise<string[]> {
  return podMetricsUrls(await readServiceEndpointPods(kube, service));
}
