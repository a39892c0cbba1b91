/**
 * The scenario config mapped onto what the load engine and the report writer take (their option types live
 * with them: src/scenarios/load/run-stages.ts, src/scenarios/report/). Pure: `kneepoint run` adds the effects.
 */
import { enabledBreakers } from "../breakers/run-breakers.ts";
import { goodputWithSloHeaders, sloHeaderLimits } from "../report/slo-headers.ts";
import type { ScenarioConfig } from "../config/scenario-config-schema.ts";
import type { ScenarioClientOptions } from "../load/run-stages.ts";
import type { PrometheusReportOptions } from "../report/collect-prometheus-reports.ts";
import type { ScenarioReportOptions } from "../report/scenario-report-options.ts";
import type { ScenarioStorageTargets } from "../report/write-scenario-reports.ts";
import { KNEEPOINT_RUN_FILE, type ReportFile } from "../storage/report-file.ts";
import type { ServerSeriesSource } from "../server-series/server-series-recorder.ts";
import type { RequestSource } from "../types.ts";
import type { ScenarioPlan } from "./build-scenario-plan.ts";

export function clientOptionsFor(cfg: ScenarioConfig, plan: ScenarioPlan): ScenarioClientOptions {
  return {
    baseUrl: plan.target.baseUrl,
    endpoint: plan.target.endpoint,
    headers: cfg.api.headers ?? {},
    ...(cfg.server.api_key !== null ? { apiKey: cfg.server.api_key } : {}),
    streaming: cfg.api.streaming,
    ...(cfg.api.type === "anthropic_messages" ? { protocol: "anthropic" as const } : {}),
    ...(cfg.api.session_id_header_key !== null || cfg.api.session_token_header_key !== null
      ? { sessionHeaders: { idHeader: cfg.api.session_id_header_key, tokenHeader: cfg.api.session_token_header_key } }
      : {}),
    ...(cfg.load.request_retries > 0 ? { retries: { retries: cfg.load.request_retries, backoffS: cfg.load.request_retry_backoff_sec } } : {}),
    // inference-perf's report files are built from what its client keeps of each response: the chunk texts, and
    // the raw bodies and chunks only for the per-request file (they cost memory in proportion to the output).
    capture: cfg.report.request_lifecycle.per_request === true ? "full" : "text",
    ...(plan.requestTimeoutS !== undefined ? { requestTimeoutS: plan.requestTimeoutS } : {}),
    ...(cfg.load.lora_traffic_split ? { loraAdapters: [...new Set(cfg.load.lora_traffic_split.map((a) => a.name))] } : {}),
    ...(plan.circuitBreakers ? { circuitBreakers: plan.circuitBreakers } : {}),
  };
}

/** `source` rebuilds a record's body (request i is deterministic) for per-request reports and request sizes. */
/** The data carries images, video or audio (multimodal, visionarena): the reports count them. */
function hasMedia(cfg: ScenarioConfig): boolean {
  const d = cfg.data;
  return d.type === "visionarena" || (d.type === "synthetic" && d.multimodal !== null) || (d.type === "shared_prefix" && (d.multimodal !== null || d.shared_prefix?.multimodal != null));
}

export function reportOptionsFor(cfg: ScenarioConfig, source: RequestSource | null): ScenarioReportOptions {
  const rl = cfg.report.request_lifecycle;
  return {
    summary: rl.summary === true,
    perStage: rl.per_stage === true,
    perRequest: rl.per_request === true,
    percentiles: rl.percentiles,
    useServerOutputTokens: rl.use_server_output_tokens,
    maxErrorMessages: rl.max_error_messages,
    // api.slo_*: per-request SLOs read from the request headers replace ttft / tpot for streamed requests (slo-headers.ts)
    goodput: goodputWithSloHeaders(cfg.report.goodput?.constraints ?? null, sloHeaderLimits(cfg.api)),
    streaming: cfg.api.streaming,
    ...(source ? { requestBody: (rec) => rec.sentBody ?? source.request(rec.index).body } : {}),
    ...(source && hasMedia(cfg) ? { requestMedia: (rec) => source.request(rec.index).media } : {}),
    perAdapter: rl.per_adapter === true,
    perAdapterStage: rl.per_adapter_stage === true,
    ...(source && cfg.load.lora_traffic_split ? { loraAdapter: (rec) => source.request(rec.index).loraAdapter ?? null } : {}),
    ...(source && cfg.load.type === "trace_session_replay" ? { graphEventId: (rec) => source.request(rec.index).graphEventId ?? null, labels: (rec) => source.request(rec.index).labels ?? {} } : {}),
    ...(cfg.load.circuit_breakers.length > 0 ? { circuitBreakers: enabledBreakers(cfg.circuit_breakers, cfg.load.circuit_breakers) } : {}),
  };
}

/** The config with local_storage.path replaced by `kneepoint run --output`, so config.yaml says where the reports went. */
export function withOutputDir(cfg: ScenarioConfig, dir: string | null): ScenarioConfig {
  if (dir === null) return cfg;
  const storage = cfg.storage ?? { google_cloud_storage: null, simple_storage_service: null, local_storage: { path: dir, report_file_prefix: null } };
  return { ...cfg, storage: { ...storage, local_storage: { ...storage.local_storage, path: dir } } };
}

/**
 * kneepoint's own record of the run beside inference-perf's files (`kneepoint_run.json`, a name no inference-perf
 * glob reads): the model that answered, the target and the harness. config.yaml stays as inference-perf writes it
 * (`server.model_name: null` when the config names none); `kneepoint report` reads the model from here then.
 */
export function kneepointRunFile(run: {
  servedModel: string;
  baseUrl: string;
  serverVersion: string | null;
  /** `simulator`, `vllm` or `openai-compatible` (src/report/run-context.ts targetKindOf). */
  targetKind: string;
  /** `/version`'s simulator name and profile when the target was kneepoint's simulator, else null. */
  simulator: string | null;
  simulatorProfile: string | null;
  tokenizer: string;
  harnessVersion: string;
  /** Where the API key came from (never the key): config.yaml keeps the config as written. */
  apiKeySource: "server.api_key" | "OPENAI_API_KEY" | null;
}): ReportFile {
  return {
    name: KNEEPOINT_RUN_FILE.replace(/\.json$/, ""),
    kind: "json",
    contents: {
      served_model: run.servedModel,
      base_url: run.baseUrl,
      server_version: run.serverVersion,
      target_kind: run.targetKind,
      simulator: run.simulator,
      simulator_profile: run.simulatorProfile,
      tokenizer: run.tokenizer,
      api_key_source: run.apiKeySource,
      harness_version: run.harnessVersion,
    },
  };
}

export function storageTargetsFor(cfg: ScenarioConfig): ScenarioStorageTargets {
  const s = cfg.storage;
  const local = s?.local_storage;
  return {
    // storage: null writes no bucket; the reports still land locally, in inference-perf's default place.
    local: { path: local?.path ?? "reports", reportFilePrefix: local?.report_file_prefix ?? null },
    s3: s?.simple_storage_service
      ? {
          bucketName: s.simple_storage_service.bucket_name,
          path: s.simple_storage_service.path,
          reportFilePrefix: s.simple_storage_service.report_file_prefix,
          endpointUrl: s.simple_storage_service.endpoint_url,
          regionName: s.simple_storage_service.region_name,
          addressingStyle: s.simple_storage_service.addressing_style,
        }
      : null,
    gcs: s?.google_cloud_storage
      ? { bucketName: s.google_cloud_storage.bucket_name, path: s.google_cloud_storage.path, reportFilePrefix: s.google_cloud_storage.report_file_prefix }
      : null,
  };
}

/** Set when `metrics.type: prometheus` with a URL; `model` is the served model name the run resolved. */
export function prometheusOptionsFor(cfg: ScenarioConfig, model: string, token?: string): PrometheusReportOptions | null {
  const p = cfg.metrics?.type === "prometheus" ? cfg.metrics.prometheus : null;
  if (!p?.url) return null;
  const server = cfg.server.type === "sglang" || cfg.server.type === "tgi" ? cfg.server.type : "vllm";
  return {
    url: p.url,
    ...(token ? { token } : {}),
    server,
    model,
    filters: p.filters,
    scrapeIntervalS: p.scrape_interval,
    summary: cfg.report.prometheus?.summary === true,
    perStage: cfg.report.prometheus?.per_stage === true,
  };
}

/** The direct scrape's period: 4 Hz, as `kneepoint sweep` (src/cli/server-metrics-session.ts). */
export const DIRECT_SERIES_INTERVAL_MS = 250;

export interface ServerSeriesChoice {
  source: ServerSeriesSource | null;
  /** One line for the run's header: where the series come from, or why there are none. */
  description: string;
}

/**
 * Where the run's server time series come from: the config's Prometheus (`metrics.type: prometheus` with a url),
 * else a direct scrape of `{base_url}/metrics` (vLLM's metric names, so only for `server.type: vllm`), unless
 * `enabled` is false (`kneepoint run --no-server-metrics`). `headers` are the target's auth headers.
 */
export function serverSeriesSourceFor(
  cfg: ScenarioConfig,
  plan: ScenarioPlan,
  opts: { model: string; enabled: boolean; headers: Record<string, string>; token?: string },
): ServerSeriesChoice {
  if (!opts.enabled) return { source: null, description: "server time series: off (--no-server-metrics)" };
  const prom = prometheusOptionsFor(cfg, opts.model, opts.token);
  if (prom) {
    const { url, server, model, filters, scrapeIntervalS } = prom;
    return {
      source: { kind: "prometheus", url, ...(prom.token ? { token: prom.token } : {}), server, model, filters, scrapeIntervalS },
      description: `server time series: range queries to Prometheus at ${url} after the run (scrape interval ${scrapeIntervalS} s)`,
    };
  }
  if (cfg.server.type !== "vllm") {
    return { source: null, description: `server time series: none (a ${cfg.server.type} server's /metrics has no vLLM names; set metrics.type: prometheus for its queue)` };
  }
  const metricsUrl = `${plan.target.baseUrl}/metrics`;
  return {
    source: { kind: "direct", metricsUrl, model: opts.model, headers: opts.headers, intervalMs: DIRECT_SERIES_INTERVAL_MS },
    description: `server time series: scraping ${metricsUrl} every ${DIRECT_SERIES_INTERVAL_MS} ms (--no-server-metrics turns it off)`,
  };
}
