/**
 * A scenario's plan: what `kneepoint run` will send, derived from the config alone (pure; CONVENTIONS.md,
 * habit 2). Stages in the load engine's terms (src/scenarios/types.ts), the sweep block passed through
 * for the engine's saturation probe, the pause between stages, the in-flight cap, requests per stage and
 * the expected duration. `--dry-run` prints it with describeScenarioPlan.
 */
import { hasSessions } from "../config/session-data-rules.ts";
import { enabledBreakers } from "../breakers/run-breakers.ts";
import type { CircuitBreakerConfig } from "../config/circuit-breaker-schema.ts";
import type { ScenarioConfig } from "../config/scenario-config-schema.ts";
import type { StagePlan } from "../types.ts";
import { plannedRequestCount } from "../load/stage-offsets.ts";
import { traceOffsetsMs, traceStageRequestCount } from "../load/trace-offsets.ts";
import { traceRows } from "../config/trace-schema.ts";
import type { SweepSpec } from "../load/sweep-stages.ts";

export interface ScenarioPlan {
  target: {
    baseUrl: string;
    endpoint: "/v1/completions" | "/v1/chat/completions" | "/v1/messages";
    apiType: "completion" | "chat" | "anthropic_messages";
    streaming: boolean;
    /** null: the first id of GET /v1/models, resolved when the run starts. */
    model: string | null;
    ignoreEos: boolean;
  };
  loadType: "constant" | "poisson" | "concurrent" | "trace_replay" | "trace_session_replay";
  /** Empty when a sweep generates the stages. */
  stages: StagePlan[];
  sweep?: SweepSpec;
  /** Seconds between stages: load.interval, raised to the Prometheus scrape interval when per-stage Prometheus reports are asked (as inference-perf). */
  intervalS: number;
  /** load.interval as written, when intervalS had to be raised. */
  intervalRaisedFromS?: number;
  /** num_workers × worker_max_concurrency for open-loop stages (inference-perf's cap); undefined: unbounded. */
  maxInFlight?: number;
  requestTimeoutS?: number;
  /** The enabled circuit breakers (load.circuit_breakers resolved against the top-level definitions). */
  circuitBreakers?: CircuitBreakerConfig[];
  seed: number;
  requestsPerStage: number[];
  /** Requests of all stages; null for a sweep, whose stage rates are known only after its probe. */
  totalRequests: number | null;
  /** Stage durations and pauses; concurrent stages and the sweep's probe add a time that depends on the server. */
  expectedDurationS: number;
  durationIsLowerBound: boolean;
}

const ENDPOINTS = { completion: "/v1/completions", chat: "/v1/chat/completions", anthropic_messages: "/v1/messages" } as const;

function stagePlan(cfg: ScenarioConfig, i: number): StagePlan {
  const s = cfg.load.stages[i]!;
  if (cfg.load.type === "trace_session_replay") {
    const rate = s.session_rate ?? 0;
    return { kind: "session_replay", rate, durationS: 0, concurrentSessions: s.concurrent_sessions ?? 0, sessionRate: s.session_rate, numSessions: s.num_sessions, timeoutS: s.timeout };
  }
  if (cfg.load.type === "concurrent") return { kind: "concurrent", concurrency: s.concurrency_level!, numRequests: s.num_requests! };
  if (cfg.load.type === "trace_replay") {
    const dataRows = cfg.data.trace && traceRows(cfg.data.trace, "data.trace");
    const count = traceStageRequestCount(s.rate!, s.duration!, dataRows);
    const offsetsMs = traceOffsetsMs(traceRows(cfg.load.trace!, "load.trace"), count, `load.stages[${i}]`);
    return { kind: "trace_replay", rate: s.rate!, durationS: s.duration!, offsetsMs };
  }
  return { kind: cfg.load.type === "poisson" ? "poisson" : "constant", rate: s.rate!, durationS: s.duration! };
}

export function buildScenarioPlan(cfg: ScenarioConfig): ScenarioPlan {
  const { load } = cfg;
  const loadType = load.type === "concurrent" || load.type === "poisson" || load.type === "trace_replay" || load.type === "trace_session_replay" ? load.type : "constant";
  const sweep: SweepSpec | undefined = load.sweep
    ? {
        type: load.sweep.type,
        numRequests: load.sweep.num_requests,
        timeoutS: load.sweep.timeout,
        numStages: load.sweep.num_stages,
        stageDurationS: load.sweep.stage_duration,
        saturationPercentile: load.sweep.saturation_percentile,
        stageKind: loadType === "poisson" ? "poisson" : "constant",
      }
    : undefined;
  const stages = sweep ? [] : load.stages.map((_, i) => stagePlan(cfg, i));

  const scrapeS = cfg.metrics?.type === "prometheus" ? (cfg.metrics.prometheus?.scrape_interval ?? 0) : 0;
  const perStagePrometheus = scrapeS > 0 && cfg.report.prometheus?.per_stage === true;
  // A negative load.interval sleeps 0 s (asyncio.sleep in inference-perf); intervalRaisedFromS keeps what was written.
  const intervalS = Math.max(0, perStagePrometheus ? Math.max(load.interval, scrapeS) : load.interval);

  const requestsPerStage = stages.map(plannedRequestCount);
  const stageCount = sweep ? sweep.numStages : stages.length;
  // A trace stage lasts as long as its trace (its last due time), not its duration.
  const stageS = (s: StagePlan) => (s.kind === "concurrent" ? 0 : s.kind === "trace_replay" ? (s.offsetsMs.at(-1) ?? 0) / 1000 : s.durationS);
  const rateStagesS = sweep ? sweep.numStages * sweep.stageDurationS : stages.reduce((t, s) => t + stageS(s), 0);
  const pausesS = Math.max(0, stageCount - 1) * intervalS + (sweep ? intervalS : 0);
  const cap = load.num_workers * load.worker_max_concurrency;
  const apiType = cfg.api.type;
  return {
    target: {
      baseUrl: cfg.server.base_url.replace(/\/+$/, ""),
      // 0.7.0 sends session turns to /v1/completions whatever api.type says (config/session-data-rules.ts).
      endpoint: hasSessions(cfg.data) ? ENDPOINTS.completion : ENDPOINTS[apiType],
      apiType,
      streaming: cfg.api.streaming,
      model: cfg.server.model_name,
      ignoreEos: cfg.server.ignore_eos,
    },
    loadType,
    stages,
    ...(sweep ? { sweep } : {}),
    intervalS,
    ...(perStagePrometheus && scrapeS > load.interval ? { intervalRaisedFromS: load.interval } : {}),
    ...(loadType !== "concurrent" && cap > 0 ? { maxInFlight: cap } : {}),
    // ≤ 0 is no timeout, as aiohttp (inference-perf's client) reads it.
    ...(load.request_timeout !== null && load.request_timeout > 0 ? { requestTimeoutS: load.request_timeout } : {}),
    ...(load.circuit_breakers.length > 0 ? { circuitBreakers: enabledBreakers(cfg.circuit_breakers, load.circuit_breakers) } : {}),
    seed: load.base_seed,
    requestsPerStage,
    totalRequests: sweep ? null : requestsPerStage.reduce((a, b) => a + b, 0),
    expectedDurationS: rateStagesS + pausesS,
    durationIsLowerBound: sweep !== undefined || stages.some((s) => s.kind === "concurrent" || s.kind === "session_replay"),
  };
}
