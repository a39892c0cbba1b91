/**
 * Reaching a Service from this machine without a local port: the API server's service proxy
 * (`/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/<path>`, what `kubectl proxy` exposes), with the
 * kubeconfig's credentials. It needs `get` on `services/proxy` (benchmarks/rbac.yaml) and nothing to close.
 * The runner reads Prometheus' HTTP API (PROMETHEUS_SERVICE) and the model server's /version this way.
 */
import type { Kube } from "./kube-client.ts";

export interface ServiceRef {
  namespace: string;
  name: string;
  /** Port number or name. */
  port: string;
}

/** "monitoring/prometheus-k8s:9090" → its parts. */
export function parseServiceRef(text: string): ServiceRef {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+):([A-Za-z0-9-]+)$/.exec(text);
  if (!m) throw new Error(`not a namespace/name:port service reference: ${text}`);
  return { namespace: m[1]!, name: m[2]!, port: m[3]! };
}

/**
 * The in-cluster Service a BASE_URL names, when it is one: `http://vllm:8000`, `http://vllm.ns:8000`,
 * `http://vllm.ns.svc.cluster.local:8000`. Anything else (an external host, an IP) is null.
 */
export function serviceOfUrl(baseUrl: string, defaultNamespace: string): ServiceRef | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return null;
  }
  const parts = url.hostname.split(".");
  const local = parts.length === 1 || (parts.length === 2 && !/^\d+$/.test(parts[1]!)) || (parts.length >= 3 && parts[2] === "svc");
  if (!local || /^\d+$/.test(parts[0]!) || url.hostname === "localhost") return null;
  return { name: parts[0]!, namespace: parts.length >= 2 ? parts[1]! : defaultNamespace, port: url.port || (url.protocol === "https:" ? "443" : "80") };
}

export function serviceProxyPath(ref: ServiceRef): string {
  return `/api/v1/namespaces/${ref.namespace}/services/${ref.name}:${ref.port}/proxy`;
}

/**
 * A fetch whose URLs are paths on the Service (the origin of the given URL is ignored), answered through the
 * API server. Pass `http://service` + path, e.g. fetch("http://service/api/v1/query?query=up").
 */
export function serviceProxyFetch(kube: Kube, ref: ServiceRef): typeof fetch {
  const base = serviceProxyPath(ref);
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const headers: Record<string, string> = {};
    // The API server authenticates with the kubeconfig's credentials and strips Authorization before proxying, so a
    // caller's own token (PROMETHEUS_TOKEN) would only reach the API server: it is not sent.
    new Headers(init?.headers).forEach((v, k) => {
      if (k !== "authorization") headers[k] = v;
    });
    // Any body fetch accepts (a string, URLSearchParams as the Prometheus client sends, bytes), as bytes.
    const body = init?.body ? Buffer.from(await new Response(init.body).arrayBuffer()) : undefined;
    const res = await kube.request(base + url.pathname + url.search, {
      method: init?.method ?? "GET",
      headers,
      ...(body ? { body } : {}),
      ...(init?.signal ? { signal: init.signal } : {}),
      // A non-2xx answer (the Service's, or the API server's Status) is a response for the caller to read, as fetch has it.
      anyStatus: true,
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const responseHeaders = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") responseHeaders.set(k, v);
    return new Response(Buffer.concat(chunks), { status: res.statusCode ?? 200, headers: responseHeaders });
  }) as typeof fetch;
}
