/**
 * Which /metrics endpoints a run scrapes when the target has several replicas:
 *   - the URLs given (`--metrics-url URL`, repeatable), each a replica;
 *   - else the target's own /metrics, when it answers 404 with a replica list, as `kneepoint sim --replicas N`'s
 *     router does: `{detail, replicas: ["http://127.0.0.1:PORT/metrics", …]}` (the router has no metrics of its
 *     own; each replica serves vLLM's);
 *   - else null: one target, scraped as it is.
 * A replica's name is the pod of an API-server pod-proxy URL (`…/pods/<name>[:port]/proxy/…`), else host:port.
 */
import type { MetricsTarget } from "./direct-scraper.ts";

/** "http://10.132.0.118:8000/metrics" → "10.132.0.118:8000"; a pod-proxy path → the pod's name. */
export function podNameOfUrl(url: string): string {
  const u = new URL(url);
  const proxied = /\/pods\/([^/:]+)(?::[^/]+)?\/proxy(?:\/|$)/.exec(u.pathname);
  if (proxied) return decodeURIComponent(proxied[1]!);
  return u.port ? `${u.hostname}:${u.port}` : u.hostname;
}

/** Targets named by their URLs; two URLs with one name get `#2`, `#3` … so no replica hides another. */
export function targetsOfUrls(urls: readonly string[]): MetricsTarget[] {
  const seen = new Map<string, number>();
  return urls.map((url) => {
    const base = podNameOfUrl(url);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { pod: n === 1 ? base : `${base}#${n}`, url };
  });
}

/** The replica list of a router's 404 answer, or null when the body is not one. */
export function replicaListOf(body: string): string[] | null {
  try {
    const parsed = JSON.parse(body) as { replicas?: unknown };
    const list = parsed?.replicas;
    if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "string" && /^https?:\/\//.test(x))) return null;
    return list as string[];
  } catch {
    return null;
  }
}

/**
 * The replicas to scrape for `metricsUrl` (see the file's comment), or null for one target. Never throws: a
 * target that cannot be asked is left to the scraper, which reports its failures.
 */
export async function discoverMetricsTargets(
  metricsUrl: string,
  explicit: readonly string[],
  deps: { fetchFn?: typeof fetch; headers?: Record<string, string> } = {},
): Promise<MetricsTarget[] | null> {
  if (explicit.length > 0) return targetsOfUrls(explicit);
  try {
    const res = await (deps.fetchFn ?? fetch)(metricsUrl, { headers: deps.headers ?? {}, signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.status !== 404) return null;
    const list = replicaListOf(body);
    return list ? targetsOfUrls(list) : null;
  } catch {
    return null;
  }
}
