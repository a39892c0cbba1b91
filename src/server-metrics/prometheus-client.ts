/**
 * A small Prometheus HTTP API client over `fetch`: POST form-encoded `/api/v1/query` and `/api/v1/query_range`
 * (long queries fit), an optional bearer token (OpenShift / Thanos querier), a timeout, and every failure as an
 * EnvironmentError naming the URL and the query with a hint. Times are epoch ms here; seconds only on the wire.
 * Config: `--prometheus-url` or PROMETHEUS_URL, PROMETHEUS_TOKEN (`prometheusOptionsFromEnv`).
 */
import { EnvironmentError, UsageError } from "../errors.ts";
import { envelopeSchema, instantSamples, rangeSeries, type InstantSample, type QueryData, type RangeSeries } from "./prometheus-response.ts";

export interface PrometheusClientOptions {
  /** Base URL of the Prometheus API, e.g. http://prometheus:9090 (a path prefix is kept). */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetchFn?: typeof fetch;
  /** Per request, also sent as Prometheus' own `timeout` parameter. Default 30 s. */
  timeoutMs?: number;
}

export interface PrometheusClient {
  readonly url: string;
  /** Instant query evaluated at `atMs`. */
  query(promql: string, atMs: number): Promise<{ samples: InstantSample[]; warnings: string[] }>;
  queryRange(promql: string, range: { startMs: number; endMs: number; stepMs: number }): Promise<{ series: RangeSeries[]; warnings: string[] }>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  let base: URL;
  try {
    base = new URL(options.url.endsWith("/") ? options.url : `${options.url}/`);
  } catch {
    throw new UsageError(`--prometheus-url ${JSON.stringify(options.url)} is not a URL`, "give the Prometheus base URL, e.g. --prometheus-url http://localhost:9090");
  }
  const fetchFn = options.fetchFn ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  async function post(path: string, params: Record<string, string>): Promise<{ data: QueryData; warnings: string[] }> {
    const endpoint = new URL(path, base).toString();
    const body = new URLSearchParams({ ...params, timeout: `${Math.ceil(timeoutMs / 1000)}s` });
    const where = `POST ${endpoint}\n  query: ${params.query}`;
    let res: Response;
    let text: string;
    try {
      res = await fetchFn(endpoint, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      throw networkError(err, where, timeoutMs);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw httpError(res.status, null, `a non-JSON answer: ${snippet(text)}`, where);
    }
    const parsed = envelopeSchema.safeParse(json);
    if (!parsed.success) throw httpError(res.status, null, `JSON that is not a Prometheus API envelope: ${snippet(text)}`, where);
    const env = parsed.data;
    if (env.status === "error" || !res.ok) {
      throw httpError(res.status, env.errorType ?? null, env.error ?? "(no error message)", where);
    }
    if (!env.data) throw httpError(res.status, null, "a success envelope without data", where);
    return { data: env.data, warnings: env.warnings ?? [] };
  }

  return {
    url: base.toString(),
    async query(promql, atMs) {
      const { data, warnings } = await post("api/v1/query", { query: promql, time: seconds(atMs) });
      return { samples: checked(() => instantSamples(data), promql), warnings };
    },
    async queryRange(promql, { startMs, endMs, stepMs }) {
      const params = { query: promql, start: seconds(startMs), end: seconds(endMs), step: seconds(stepMs) };
      const { data, warnings } = await post("api/v1/query_range", params);
      return { series: checked(() => rangeSeries(data), promql), warnings };
    },
  };
}

function checked<T>(read: () => T, promql: string): T {
  try {
    return read();
  } catch (err) {
    throw new EnvironmentError(`Prometheus answered an unexpected result for ${promql}: ${(err as Error).message}`, "is --prometheus-url a Prometheus-compatible API?");
  }
}

function snippet(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const flat = (title ?? text).replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > 160 ? `${flat.slice(0, 160)}…` : flat);
}

function hintFor(status: number, errorType: string | null): string {
  if (status === 401 || status === 403) return "set PROMETHEUS_TOKEN to a bearer token with read access to the Prometheus API";
  if (status === 400 || errorType === "bad_data") {
    return "Prometheus rejected the query; a built-in query failing is a kneepoint bug (report it with the query), a too-long range needs a larger step";
  }
  if (status === 422 || errorType === "execution") return "Prometheus could not execute the query (too many samples or series?); check the pod/hostname filters";
  if (status === 503 || errorType === "timeout" || errorType === "canceled") {
    return "Prometheus timed out or is overloaded; retry, or raise its --query.timeout";
  }
  if (status === 404) return "no Prometheus API at this path; --prometheus-url is the base URL (e.g. http://localhost:9090), without /api/v1";
  return "a proxy or gateway in front of Prometheus answered; check --prometheus-url points at the Prometheus API, not a UI or login page";
}

function httpError(status: number, errorType: string | null, detail: string, where: string): EnvironmentError {
  const kind = errorType ? ` (${errorType})` : "";
  return new EnvironmentError(`Prometheus query failed: HTTP ${status}${kind}: ${detail}\n  at ${where}`, hintFor(status, errorType));
}

function networkError(err: unknown, where: string, timeoutMs: number): EnvironmentError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") {
    return new EnvironmentError(`Prometheus did not answer within ${timeoutMs / 1000} s\n  at ${where}`, "check that Prometheus is up and reachable, or shorten the sweep", { cause: err });
  }
  const reason = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return new EnvironmentError(
    `Prometheus is unreachable: ${reason}\n  at ${where}`,
    "check --prometheus-url / PROMETHEUS_URL (port-forward running?), or drop it to scrape the target's /metrics directly",
    { cause: err },
  );
}
