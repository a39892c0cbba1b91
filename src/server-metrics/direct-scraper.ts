/**
 * Direct scrape mode (no Prometheus): GET the target's /metrics, and optionally a DCGM exporter's /metrics,
 * every `intervalMs` (1 s) between start() and stop(), parse the text and keep the samples of the metrics in
 * metric-names.ts (gauges and counters; histogram lines are dropped to bound memory over a long sweep).
 * A failed scrape is counted and reported as a warning, never fatal: missing metrics become null peaks.
 * The clock and sleep are injectable for tests; a scrape is stamped when it is sent, as Prometheus does.
 */
import { parseExposition, type ExpositionSample } from "./exposition-parser.ts";
import { DCGM, VLLM, type MetricDef } from "./metric-names.ts";
import type { Scrape } from "./scraped-peaks.ts";
import { discoverMetricsTargets } from "./metrics-targets.ts";

export interface DirectScraperOptions {
  /** The target's metrics URL, e.g. http://vllm:8000/metrics. */
  metricsUrl: string;
  /**
   * Several replicas instead of metricsUrl (--metrics-url …, a router's replica list, a Service's endpoints):
   * each is scraped at the same tick, and their samples form one scrape, each sample labelled `pod` with its
   * replica's name (so sums over engines become sums over pods, and the per-pod series can be split again).
   */
  targets?: ReadonlyArray<MetricsTarget>;
  /**
   * Without targets: ask metricsUrl once, before the first scrape, whether it is a router naming its replicas
   * (metrics-targets.ts: `kneepoint sim --replicas N` answers 404 with their URLs); if so, scrape those instead.
   */
  discoverReplicas?: boolean;
  /** A DCGM exporter's metrics URL, e.g. http://node:9400/metrics or the simulator's /dcgm/metrics. */
  dcgmUrl?: string;
  intervalMs?: number;
  timeoutMs?: number;
  /** Sent to the target's metricsUrl only: a DCGM exporter is another host and never gets the target's credentials. */
  headers?: Record<string, string>;
  fetchFn?: typeof fetch;
  nowMs?: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface MetricsTarget {
  /** The replica's name in the reports: the pod, or host:port of the endpoint. */
  pod: string;
  url: string;
}

/** The label a multi-target scrape adds to every sample: the replica it came from. */
export const POD_LABEL = "pod";

export interface DirectScraper {
  /** Starts polling now (no-op while running). */
  start(): void;
  /** Stops polling; resolves once the scrape in flight, if any, has been recorded. */
  stop(): Promise<void>;
  scrapes(): readonly Scrape[];
  /** Forgets the scrapes taken so far (the caller has reduced them), so memory stays bounded over long sweeps. */
  clear(): void;
  /** One line per URL that failed at least once. */
  warnings(): string[];
}

const KEPT_NAMES: ReadonlySet<string> = new Set(
  ([...Object.values(VLLM), ...Object.values(DCGM)] as MetricDef[])
    .filter((d) => d.type === "gauge" || d.type === "counter")
    .flatMap((d) => (d.legacyName ? [d.name, d.legacyName] : [d.name])),
);

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** 404s in a row, from the first scrape on, after which a URL is taken to have no metrics endpoint. */
const NOT_FOUND_TRIES = 3;

/**
 * A URL that answered 404 from the start: a proxy (LiteLLM: no /metrics without its enterprise callback) or a
 * route (KServe) in front of the server, or a wrong --dcgm-url. Said once, with where the numbers can come from.
 */
function notFoundWarning(url: string, source: "vllm" | "dcgm"): string {
  const fix =
    source === "vllm"
      ? "the target exposes no Prometheus metrics there (a proxy such as LiteLLM, or a KServe route?); for the server columns pass --prometheus-url of a Prometheus that scrapes the server behind it"
      : "no DCGM exporter metrics there; check --dcgm-url (dcgm-exporter serves /metrics on :9400)";
  return `direct scrape of ${url} answered HTTP 404 ${NOT_FOUND_TRIES} times from the start, so it stopped: ${fix}`;
}

export function createDirectScraper(options: DirectScraperOptions): DirectScraper {
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? Math.max(intervalMs, 2000);
  const fetchFn = options.fetchFn ?? fetch;
  const nowMs = options.nowMs ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const targets = options.targets && options.targets.length > 0 ? options.targets : null;
  const sources: Array<{ source: Scrape["source"]; url: string; pod?: string }> = targets
    ? targets.map((t) => ({ source: "vllm" as const, url: t.url, pod: t.pod }))
    : [{ source: "vllm", url: options.metricsUrl }];
  if (options.dcgmUrl) sources.push({ source: "dcgm", url: options.dcgmUrl });

  const scrapes: Scrape[] = [];
  const stats = new Map<string, { attempts: number; failures: number; lastError: string; notFound: number }>();
  let running: { controller: AbortController; loop: Promise<void> } | null = null;

  /** Every answer so far was 404, NOT_FOUND_TRIES of them: no metrics endpoint there; stop asking. */
  const isGone = (stat: { attempts: number; notFound: number }) => stat.attempts >= NOT_FOUND_TRIES && stat.notFound === stat.attempts;

  async function scrapeOne(source: Scrape["source"], url: string, pod: string | undefined): Promise<ExpositionSample[] | null> {
    const stat = stats.get(url) ?? { attempts: 0, failures: 0, lastError: "", notFound: 0 };
    stats.set(url, stat);
    if (isGone(stat)) return null;
    stat.attempts++;
    try {
      const headers = source === "vllm" ? (options.headers ?? {}) : {};
      const res = await fetchFn(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (res.status === 404) stat.notFound++;
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const samples = parseExposition(text).samples.filter((s) => KEPT_NAMES.has(s.name));
      return pod === undefined ? samples : samples.map((s) => ({ ...s, labels: { ...s.labels, [POD_LABEL]: pod } }));
    } catch (err) {
      stat.failures++;
      const e = err as { name?: string; message?: string; cause?: { code?: string } };
      stat.lastError = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message ?? String(err));
      return null;
    }
  }

  /** One tick: every URL at once; the answers of one source (all replicas) form one scrape stamped `tMs`. */
  async function scrapeAll(tMs: number): Promise<void> {
    const answers = await Promise.all(sources.map(async (s) => ({ source: s.source, samples: await scrapeOne(s.source, s.url, s.pod) })));
    for (const source of ["vllm", "dcgm"] as const) {
      const got = answers.filter((a) => a.source === source && a.samples !== null);
      if (got.length > 0) scrapes.push({ source, tMs, samples: got.flatMap((a) => a.samples!) });
    }
  }

  let discovered = !options.discoverReplicas || targets !== null;
  async function discover(): Promise<void> {
    discovered = true;
    const found = await discoverMetricsTargets(options.metricsUrl, [], { fetchFn, ...(options.headers ? { headers: options.headers } : {}) });
    if (!found) return;
    const dcgm = sources.filter((s) => s.source === "dcgm");
    sources.splice(0, sources.length, ...found.map((t) => ({ source: "vllm" as const, url: t.url, pod: t.pod })), ...dcgm);
  }

  async function loop(signal: AbortSignal): Promise<void> {
    if (!discovered) await discover();
    let nextMs = nowMs();
    while (!signal.aborted) {
      const tMs = nowMs();
      await scrapeAll(tMs);
      nextMs += intervalMs;
      if (nextMs < nowMs()) nextMs = nowMs(); // a slow scrape: skip the missed ticks rather than burst
      await sleep(nextMs - nowMs(), signal);
    }
  }

  return {
    start() {
      if (running) return;
      const controller = new AbortController();
      running = { controller, loop: loop(controller.signal) };
    },
    async stop() {
      const r = running;
      running = null;
      if (!r) return;
      r.controller.abort();
      await r.loop;
    },
    scrapes: () => scrapes,
    clear: () => void scrapes.splice(0, scrapes.length),
    warnings: () =>
      [...stats.entries()]
        .filter(([, s]) => s.failures > 0)
        .map(([url, s]) => (isGone(s) ? notFoundWarning(url, sources.find((x) => x.url === url)?.source ?? "vllm") : `direct scrape of ${url} failed ${s.failures} of ${s.attempts} times (last: ${s.lastError})`)),
  };
}
