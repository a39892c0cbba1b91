/**
 * The content of `summary_prometheus_metrics.json` / `stage_N_prometheus_metrics.json`, twice over, from the
 * query answers. Pure.
 *  - `mimic`: exactly what inference-perf 0.7.0 writes (reportgen/base.py `summarize_prometheus_metrics` over
 *    prometheus_client/base.py `execute_query`): every number a float, the first series' value rounded to 6
 *    decimals (Python's round: half to even), NaN kept as NaN; a query that failed, answered no series, or was
 *    never sent (a field the server does not declare) is 0.0. This is the file tools built for inference-perf read.
 *  - `truth`: the same keys, with null wherever the number was not measured (no series, NaN/Inf, failed, not
 *    queried): DESIGN.md §4, absent is absent, never zero. kneepoint's own file carries it
 *    (collect-prometheus-reports.ts), with the status of every query.
 * The `*_hit_percent` ratios are `hits / queries · 100`, 0 when there were no lookups, as in 0.7.0 `_ratio`.
 */
import { REPORT_READS, type ReportField, type ReportStat } from "./prometheus-report-metrics.ts";

/** What one query got. */
export type PromAnswer =
  | { status: "ok"; value: number }
  | { status: "no_series" }
  | { status: "not_finite"; value: number }
  | { status: "failed"; error: string };

export type PromAnswers = ReadonlyMap<`${ReportField}.${ReportStat}`, PromAnswer>;

export interface PrometheusReport<V> {
  benchmark_time_seconds: number;
  load_summary: Record<string, never>;
  successes: Record<string, V | Record<string, V>>;
  failures: Record<string, never>;
}

/** Python's round(x, 6): correctly rounded on the double's exact value, ties to even. */
export function pyRound6(x: number): number {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  const exact = abs.toFixed(100); // exact decimal expansion for any double < 1e21
  if (exact.includes("e")) return x;
  const cut = exact.indexOf(".") + 7;
  const tie = /^50*$/.test(exact.slice(cut));
  const rounded = tie && Number(exact[cut - 1]) % 2 === 0 ? Number(exact.slice(0, cut)) : Number(abs.toFixed(6));
  return x < 0 ? -rounded : rounded;
}

/** One query's answer as inference-perf reads it: the first series' value (no series: none). */
export function answerOf(samples: ReadonlyArray<{ value: number }>): PromAnswer {
  const first = samples[0];
  if (first === undefined) return { status: "no_series" };
  if (!Number.isFinite(first.value)) return { status: "not_finite", value: first.value };
  return { status: "ok", value: pyRound6(first.value) };
}

function shape<V>(get: (field: ReportField, stat: ReportStat) => V, ratio: (hits: V, queries: V) => V): PrometheusReport<V> {
  const summary = (field: ReportField) => ({ mean: get(field, "avg"), median: get(field, "median"), p90: get(field, "p90"), p99: get(field, "p99") });
  const percent = (hits: ReportField, queries: ReportField) => ({ mean: ratio(get(hits, "total"), get(queries, "total")) });
  return {
    benchmark_time_seconds: 0,
    load_summary: {},
    successes: {
      count: get("requests", "total"),
      rate: get("requests", "per_second"),
      prompt_len: { mean: get("prompt_tokens", "avg"), rate: get("prompt_tokens", "per_second") },
      output_len: { mean: get("output_tokens", "avg"), rate: get("output_tokens", "per_second") },
      queue_len: { mean: get("queue_length", "avg") },
      request_latency: summary("request_latency"),
      time_to_first_token: summary("time_to_first_token"),
      time_per_output_token: summary("time_per_output_token"),
      kv_cache_usage_percentage: summary("kv_cache_usage"),
      num_requests_swapped: { mean: get("num_requests_swapped", "total") },
      num_preemptions_total: { mean: get("num_preemptions_total", "total") },
      prefix_cache_hit_percent: percent("prefix_cache_hits", "prefix_cache_queries"),
      inter_token_latency: summary("inter_token_latency"),
      num_requests_running: { mean: get("num_requests_running", "avg") },
      request_queue_time: summary("request_queue_time"),
      request_inference_time: summary("request_inference_time"),
      request_prefill_time: summary("request_prefill_time"),
      request_decode_time: summary("request_decode_time"),
      request_prompt_tokens: summary("request_prompt_tokens"),
      request_generation_tokens: summary("request_generation_tokens"),
      request_max_num_generation_tokens: summary("request_max_num_generation_tokens"),
      request_params_n: summary("request_params_n"),
      request_params_max_tokens: summary("request_params_max_tokens"),
      request_success_count: get("request_success_count", "total"),
      iteration_tokens: summary("iteration_tokens"),
      prompt_tokens_cached: get("prompt_tokens_cached", "total"),
      external_prefix_cache_hit_percent: percent("external_prefix_cache_hits", "external_prefix_cache_queries"),
      mm_cache_hit_percent: percent("mm_cache_hits", "mm_cache_queries"),
      corrupted_requests: get("corrupted_requests", "total"),
      request_prefill_kv_computed_tokens: summary("request_prefill_kv_computed_tokens"),
      kv_block_idle_before_evict: summary("kv_block_idle_before_evict"),
      kv_block_lifetime: summary("kv_block_lifetime"),
      kv_block_reuse_gap: summary("kv_block_reuse_gap"),
    },
    failures: {},
  };
}

export function buildPrometheusReport(answers: PromAnswers): { mimic: PrometheusReport<number>; truth: PrometheusReport<number | null> } {
  const answer = (field: ReportField, stat: ReportStat) => answers.get(`${field}.${stat}`);
  const mimic = shape<number>(
    (field, stat) => {
      const a = answer(field, stat);
      return a?.status === "ok" || a?.status === "not_finite" ? a.value : 0;
    },
    (h, q) => (q > 0 ? (h / q) * 100 : 0),
  );
  const truth = shape<number | null>(
    (field, stat) => {
      const a = answer(field, stat);
      return a?.status === "ok" ? a.value : null;
    },
    (h, q) => (h === null || q === null ? null : q > 0 ? (h / q) * 100 : 0),
  );
  return { mimic, truth };
}

/** The report fields a server's declarations leave unqueried (0.0 in the mimic, null in the truth). */
export function unqueriedFields(queried: ReadonlySet<ReportField>): ReportField[] {
  return (Object.keys(REPORT_READS) as ReportField[]).filter((f) => !queried.has(f));
}
