/** The plan as the lines `kneepoint run --dry-run` prints (and the run prints before it starts). */
import type { RequestSource } from "../types.ts";
import type { ScenarioPlan } from "./build-scenario-plan.ts";

const LOAD_WORDS: Record<ScenarioPlan["loadType"], string> = {
  constant: "constant (inference-perf's: exactly rate × duration requests per stage, random gaps rescaled to fill the duration)",
  poisson: "poisson (a Poisson number of requests each second, spread over that second)",
  trace_replay: "trace_replay (each stage replays load.trace from its first row: request k is due at its TIMESTAMP − the first row's; rate and duration are only reported)",
  concurrent: "concurrent (closed loop: each stage keeps concurrency_level requests in flight until num_requests are sent)",
  trace_session_replay: "trace_session_replay (each stage replays its share of the session corpus; a session's calls wait for their predecessors and send their live outputs on)",
};

/** 4260 → "1 h 11 min 0 s"; 75 → "1 min 15 s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h ? `${h} h` : "", h || m ? `${m} min` : "", `${s % 60} s`];
  return parts.filter(Boolean).join(" ");
}

function stageLine(plan: ScenarioPlan, i: number): string {
  const s = plan.stages[i]!;
  const n = plan.requestsPerStage[i]!;
  const what =
    s.kind === "concurrent"
      ? `concurrency ${s.concurrency}, ${s.numRequests} requests`
      : s.kind === "session_replay"
        ? `${s.numSessions ?? "all remaining"} sessions, ${s.concurrentSessions || "all"} at once${s.sessionRate !== null ? `, ≤ ${s.sessionRate}/s` : ""}${s.timeoutS !== null ? `, timeout ${s.timeoutS} s` : ""}`
        : s.kind === "trace_replay"
        ? `trace over ${((s.offsetsMs.at(-1) ?? 0) / 1000).toFixed(3)} s`
        : `${s.rate} req/s × ${s.durationS} s`;
  if (s.kind === "session_replay") return `  ${String(i).padStart(2)}  sessions   ${what}`;
  return `  ${String(i).padStart(2)}  ${s.kind.padEnd(10)} ${what.padEnd(28)} = ${n} request${n === 1 ? "" : "s"}`;
}

export function describeScenarioPlan(plan: ScenarioPlan, source: Pick<RequestSource, "describe">): string {
  const t = plan.target;
  const lines = [
    `target:   ${t.baseUrl}${t.endpoint} (${t.apiType}, ${t.streaming ? "streamed" : "not streamed"}), model ${t.model ?? "(first of GET /v1/models)"}, ignore_eos ${t.apiType === "anthropic_messages" ? "not sent (Messages API)" : t.ignoreEos}`,
    `data:     ${source.describe()}`,
    `load:     ${LOAD_WORDS[plan.loadType]}, seed ${plan.seed}`,
  ];
  if (plan.maxInFlight !== undefined) lines.push(`          at most ${plan.maxInFlight} requests in flight (num_workers × worker_max_concurrency); a stage that hits the cap shows it as schedule delay`);
  if (plan.requestTimeoutS !== undefined) lines.push(`          each request times out after ${plan.requestTimeoutS} s`);
  for (const b of plan.circuitBreakers ?? []) {
    const triggers = b.triggers.map((t) => (t.type === "consecutive" ? `${t.threshold} consecutive hits` : `hit rate ≥ ${t.threshold} over ${t.window_sec} s (≥ ${t.min_samples} samples)`)).join(" or ");
    lines.push(`breaker:  ${b.name}: watches ${b.metrics.matches.join(" | ")}${b.metrics.rules.length ? `, hit when ${b.metrics.rules.join(" | ")}` : ""}; trips on ${triggers || "nothing (no trigger)"}, which stops the stage`);
  }
  if (plan.sweep) {
    const sw = plan.sweep;
    lines.push(
      `sweep:    a saturation probe (closed-loop ladder doubling concurrency up to ${sw.numRequests}, each rung at most ${sw.timeoutS} s), ` +
        `then ${sw.numStages} ${sw.type} ${sw.stageKind} stages of ${sw.stageDurationS} s up to the measured saturation rate`,
    );
  } else {
    lines.push("stages:", ...plan.stages.map((_, i) => stageLine(plan, i)));
  }
  const interval = `${plan.intervalS} s between stages${plan.intervalRaisedFromS !== undefined ? ` (load.interval ${plan.intervalRaisedFromS} s raised to the Prometheus scrape interval for per-stage reports)` : ""}`;
  lines.push(`interval: ${interval}`);
  const total =
    plan.loadType === "trace_session_replay" ? "one request per LLM call of the sessions replayed (see data)" : plan.totalRequests === null ? "requests known after the probe" : `${plan.totalRequests} requests`;
  const duration = `${plan.durationIsLowerBound ? "at least " : "about "}${formatDuration(plan.expectedDurationS)}`;
  const why = plan.sweep ? " plus the probe" : plan.stages.some((s) => s.kind === "concurrent") ? " plus the concurrent stages, which last as long as the server takes" : "";
  lines.push(`total:    ${total}, ${duration}${why}`);
  return lines.join("\n");
}
