/**
 * The `config.yaml` inference-perf 0.7.0 writes beside its reports: `Config.model_dump(mode="json", by_alias=True)`
 * (reportgen/base.py `generate_config_report`) of the config after main.py changed it:
 *  - concurrent stages get `duration: 1`, `rate: num_requests`, and `worker_max_concurrency: 0` (main.py:149-156);
 *  - random/synthetic distributions get `total_count` raised to the largest stage's requests + 1 (main.py:302-320);
 *  - `load.interval` is raised to the Prometheus scrape interval with per-stage Prometheus reports (main.py:378).
 * Every field in 0.7.0's order, shared_prefix counts under their aliases, float fields as floats (`rate: 1.0`),
 * Prometheus' URL as pydantic's HttpUrl writes it (`http://host:9090/`). Keys 0.7.0 does not have (and that were
 * run past with a warning) are not written. Secrets (server.api_key, tokenizer.token, credential-bearing headers)
 * are written as "[redacted]". Buckets get the same document as JSON (python-json.ts).
 */
import type { CircuitBreakerConfig } from "./circuit-breaker-schema.ts";
import { Scalar, stringify } from "yaml";
import { REDACTED, redactHeaders } from "../../redact.ts";
import type { Distribution } from "./distribution-schema.ts";
import type { ScenarioConfig } from "./scenario-config-schema.ts";
import type { SharedPrefixConfig } from "./data-schema.ts";
import type { LoadConfig, StageConfig } from "./load-schema.ts";
import { multimodalDump, visionArenaDump } from "./multimodal-config-yaml.ts";

/** A Python float: written with a fraction (`1.0`) by the YAML and JSON writers. */
export function pyFloat(n: number): Scalar<number> {
  const s = new Scalar(n);
  if (Number.isInteger(n)) s.minFractionDigits = 1;
  return s;
}

const optFloat = (n: number | null) => (n === null ? null : pyFloat(n));

function distribution(d: Distribution | null, totalCount: number | null = d?.total_count ?? null) {
  if (d === null) return null;
  return {
    min: d.min,
    max: d.max,
    mean: pyFloat(d.mean),
    std_dev: pyFloat(d.std_dev),
    total_count: totalCount,
    type: d.type,
    variance: optFloat(d.variance),
    skew: pyFloat(d.skew),
  };
}

const length = (v: number | Distribution) => (typeof v === "number" ? v : distribution(v));

function sharedPrefix(s: SharedPrefixConfig | null) {
  if (s === null) return null;
  return {
    num_unique_system_prompts: s.num_groups,
    num_users_per_system_prompt: s.num_prompts_per_group,
    system_prompt_len: length(s.system_prompt_len),
    question_len: length(s.question_len),
    output_len: length(s.output_len),
    seed: s.seed,
    question_distribution: distribution(s.question_distribution),
    output_distribution: distribution(s.output_distribution),
    enable_multi_turn_chat: s.enable_multi_turn_chat,
    multimodal: multimodalDump(s.multimodal, (x) => distribution(x)),
  };
}

function stage(s: StageConfig, type: LoadConfig["type"]) {
  if (type === "concurrent") {
    // main.py: every request of the stage is enqueued within one second.
    return { num_requests: s.num_requests, concurrency_level: s.concurrency_level, rate: optFloat(s.num_requests), duration: 1 };
  }
  if (type === "trace_session_replay") {
    return { concurrent_sessions: s.concurrent_sessions, session_rate: optFloat(s.session_rate), num_sessions: s.num_sessions, timeout: optFloat(s.timeout) };
  }
  return { rate: optFloat(s.rate), duration: s.duration, num_requests: s.num_requests, concurrency_level: s.concurrency_level };
}

/** OTelTraceReplayConfig dumped: its float field as a float. */
function otelTraceReplay(o: ScenarioConfig["data"]["otel_trace_replay"]) {
  return o && { ...o, predecessor_wait_timeout_sec: pyFloat(o.predecessor_wait_timeout_sec) };
}

/** SyntheticAgenticConfig dumped: distributions as Distribution, weights and probabilities as floats. */
function syntheticAgentic(a: ScenarioConfig["data"]["synthetic_agentic"]) {
  if (a === null) return null;
  return {
    ...a,
    predecessor_wait_timeout_sec: pyFloat(a.predecessor_wait_timeout_sec),
    input_tokens_per_turn: distribution(a.input_tokens_per_turn),
    output_tokens_per_turn: distribution(a.output_tokens_per_turn),
    turns_per_session: distribution(a.turns_per_session),
    fanout_probability: pyFloat(a.fanout_probability),
    theme_mix: Object.fromEntries(Object.entries(a.theme_mix).map(([k, w]) => [k, typeof w === "number" ? pyFloat(w) : { weight: pyFloat(w.weight) }])),
    tool_loop_depth: distribution(a.tool_loop_depth),
    sub_agents_per_spawn: distribution(a.sub_agents_per_spawn),
    tool_catalog_size_per_agent: distribution(a.tool_catalog_size_per_agent),
    parallel_tool_calls_per_step: distribution(a.parallel_tool_calls_per_step),
    tool_call_latency_sec: distribution(a.tool_call_latency_sec),
    user_think_time_sec: distribution(a.user_think_time_sec),
    context_compaction: a.context_compaction && { trigger_tokens: distribution(a.context_compaction.trigger_tokens), target_tokens: distribution(a.context_compaction.target_tokens) },
  };
}

/** main.py's total_count for random/synthetic: the largest stage's request count + 1, never lowered. */
function raisedTotalCount(cfg: ScenarioConfig, written: number | null): number | null {
  if (cfg.data.type !== "random" && cfg.data.type !== "synthetic") return written;
  const most = cfg.load.stages.reduce(
    (m, s) => Math.max(m, cfg.load.type === "concurrent" ? (s.num_requests ?? 0) : Math.trunc((s.rate ?? 0) * (s.duration ?? 0))),
    0,
  );
  return written === null || written < most + 1 ? most + 1 : written;
}

/** main.py: with per-stage Prometheus reports, the pause between stages is at least one scrape interval. */
function effectiveInterval(cfg: ScenarioConfig): number {
  const prom = cfg.metrics?.type === "prometheus" ? cfg.metrics.prometheus : null;
  return prom && !prom.google_managed && cfg.report.prometheus?.per_stage ? Math.max(cfg.load.interval, prom.scrape_interval) : cfg.load.interval;
}

/** pydantic's HttpUrl: an empty path becomes "/". */
function httpUrl(url: string | null): string | null {
  if (url === null) return null;
  try {
    const u = new URL(url);
    return u.pathname === "/" && !url.endsWith("/") && u.search === "" && u.hash === "" ? `${url}/` : url;
  } catch {
    return url;
  }
}

function sweep(s: LoadConfig["sweep"]) {
  if (s === null) return null;
  return {
    type: s.type,
    num_requests: s.num_requests,
    timeout: pyFloat(s.timeout),
    num_stages: s.num_stages,
    stage_duration: s.stage_duration,
    saturation_percentile: pyFloat(s.saturation_percentile),
  };
}

function load(cfg: ScenarioConfig) {
  const l = cfg.load;
  return {
    type: l.type,
    interval: pyFloat(effectiveInterval(cfg)),
    stages: l.stages.map((s) => stage(s, l.type)),
    sweep: sweep(l.sweep),
    num_workers: l.num_workers,
    worker_max_concurrency: l.type === "concurrent" ? 0 : l.worker_max_concurrency,
    worker_max_tcp_connections: l.worker_max_tcp_connections,
    trace: l.trace && { file: l.trace.file, format: l.trace.format },
    circuit_breakers: l.circuit_breakers,
    request_timeout: optFloat(l.request_timeout),
    request_retries: l.request_retries,
    request_retry_backoff_sec: pyFloat(l.request_retry_backoff_sec),
    stage_teardown_grace_seconds: pyFloat(l.stage_teardown_grace_seconds),
    lora_traffic_split: l.lora_traffic_split && l.lora_traffic_split.map((a) => ({ name: a.name, split: pyFloat(a.split) })),
    base_seed: l.base_seed,
  };
}

function report(r: ScenarioConfig["report"]) {
  const rl = r.request_lifecycle;
  return {
    request_lifecycle: {
      summary: rl.summary,
      per_stage: rl.per_stage,
      per_request: rl.per_request,
      per_request_fields: rl.per_request_fields,
      per_adapter: rl.per_adapter,
      per_adapter_stage: rl.per_adapter_stage,
      percentiles: rl.percentiles.map(pyFloat),
      use_server_output_tokens: rl.use_server_output_tokens,
      max_error_messages: rl.max_error_messages,
    },
    prometheus: r.prometheus,
    session_lifecycle: r.session_lifecycle,
    goodput: r.goodput && { constraints: Object.fromEntries(Object.entries(r.goodput.constraints).map(([k, v]) => [k, pyFloat(v)])) },
  };
}

/** Bucket blocks: the base fields (path, report_file_prefix) first, as the pydantic subclasses order them. */
function storage(st: ScenarioConfig["storage"]) {
  if (st === null) return null;
  const gcs = st.google_cloud_storage;
  const s3 = st.simple_storage_service;
  return {
    local_storage: st.local_storage,
    google_cloud_storage: gcs && { path: gcs.path, report_file_prefix: gcs.report_file_prefix, bucket_name: gcs.bucket_name },
    simple_storage_service: s3 && {
      path: s3.path,
      report_file_prefix: s3.report_file_prefix,
      bucket_name: s3.bucket_name,
      endpoint_url: s3.endpoint_url,
      region_name: s3.region_name,
      addressing_style: s3.addressing_style,
    },
  };
}

function metrics(m: ScenarioConfig["metrics"]) {
  if (m === null) return null;
  const p = m.prometheus;
  return {
    type: m.type,
    prometheus: p && { scrape_interval: p.scrape_interval, url: httpUrl(p.url), filters: p.filters, google_managed: p.google_managed },
  };
}

/** The effective config in inference-perf 0.7.0's serialized shape (secrets redacted); floats are yaml Scalars. */
export function effectiveConfig(cfg: ScenarioConfig): Record<string, unknown> {
  const d = cfg.data;
  return {
    api: { ...cfg.api, headers: cfg.api.headers && redactHeaders(cfg.api.headers) },
    data: {
      type: d.type,
      path: d.path,
      corpus_file_path: d.corpus_file_path,
      input_distribution: distribution(d.input_distribution, raisedTotalCount(cfg, d.input_distribution?.total_count ?? null)),
      output_distribution: distribution(d.output_distribution, raisedTotalCount(cfg, d.output_distribution?.total_count ?? null)),
      shared_prefix: sharedPrefix(d.shared_prefix),
      multimodal: multimodalDump(d.multimodal, (x) => distribution(x)),
      trace: d.trace && { file: d.trace.file, format: d.trace.format },
      otel_trace_replay: otelTraceReplay(d.otel_trace_replay),
      weka_trace_replay: d.weka_trace_replay && { ...d.weka_trace_replay, predecessor_wait_timeout_sec: pyFloat(d.weka_trace_replay.predecessor_wait_timeout_sec), trace_idle_gap_cap_seconds: pyFloat(d.weka_trace_replay.trace_idle_gap_cap_seconds) },
      conversation_replay: d.conversation_replay && {
        ...d.conversation_replay,
        dynamic_system_prompt_len: distribution(d.conversation_replay.dynamic_system_prompt_len),
        turns_per_conversation: distribution(d.conversation_replay.turns_per_conversation),
        input_tokens_per_turn: distribution(d.conversation_replay.input_tokens_per_turn),
        output_tokens_per_turn: distribution(d.conversation_replay.output_tokens_per_turn),
        tool_call_latency_sec: distribution(d.conversation_replay.tool_call_latency_sec),
      },
      visionarena: visionArenaDump(d.visionarena, (x) => distribution(x)),
      synthetic_agentic: syntheticAgentic(d.synthetic_agentic),
      use_chat_template: d.use_chat_template,
    },
    load: load(cfg),
    metrics: metrics(cfg.metrics),
    report: report(cfg.report),
    storage: storage(cfg.storage),
    server: { ...cfg.server, api_key: cfg.server.api_key === null ? null : REDACTED },
    tokenizer: cfg.tokenizer && {
      pretrained_model_name_or_path: cfg.tokenizer.pretrained_model_name_or_path,
      trust_remote_code: cfg.tokenizer.trust_remote_code,
      token: cfg.tokenizer.token === null ? null : REDACTED,
      load_timeout: optFloat(cfg.tokenizer.load_timeout),
    },
    circuit_breakers: cfg.circuit_breakers && cfg.circuit_breakers.map(circuitBreaker),
  };
}

/** config/circuit_breaker/config.py dumped: window_sec and a rate threshold are floats, the rest as written. */
function circuitBreaker(b: CircuitBreakerConfig) {
  return {
    name: b.name,
    metrics: { matches: b.metrics.matches, rules: b.metrics.rules },
    triggers: b.triggers.map((t) =>
      t.type === "consecutive"
        ? { type: t.type, threshold: t.threshold }
        : { type: t.type, window_sec: pyFloat(t.window_sec), threshold: pyFloat(t.threshold), min_samples: t.min_samples },
    ),
  };
}

export function effectiveConfigYaml(cfg: ScenarioConfig): string {
  return stringify(effectiveConfig(cfg), { lineWidth: 0 });
}
