/**
 * Circuit breakers wired into the stage loop: every request of a stage is fed to the run's breakers as it ends
 * (0.7.0 feeds them from its metrics collector, metrics/request_collector/multiprocess.py:55-56), and the first time
 * an enabled breaker is open the stage's `stop` signal fires, so dispatching ends and in-flight requests finish, as
 * 0.7.0's stage teardown lets them (load_generator.py:1214-1217 then `_teardown_stage`).
 */
import { breakerMetricDoc } from "../breakers/breaker-metric-doc.ts";
import { createRunBreakers, type StageBreakerTrip } from "../breakers/run-breakers.ts";
import type { CircuitBreakerConfig } from "../config/circuit-breaker-schema.ts";
import type { RequestSource, ScenarioRecord } from "../types.ts";

export interface StageBreakerWatch {
  stop: AbortSignal;
  onRecord(rec: ScenarioRecord): void;
  /** The breaker that stopped this stage, or undefined. */
  trip(): StageBreakerTrip | undefined;
}

export function createStageBreakers(enabled: readonly CircuitBreakerConfig[], o: { source: RequestSource; streaming: boolean }) {
  const run = createRunBreakers(enabled);
  return {
    open: run.open,
    forStage(stage: number, onRecord?: (rec: ScenarioRecord) => void): StageBreakerWatch {
      const stop = new AbortController();
      let ended = 0;
      let trip: StageBreakerTrip | undefined;
      return {
        stop: stop.signal,
        onRecord(rec) {
          ended++;
          const req = o.source.request(rec.index);
          const doc = breakerMetricDoc(rec, { streaming: o.streaming, body: rec.sentBody ?? req.body, loraAdapter: req.loraAdapter ?? null });
          const open = run.observe(doc, rec.endMs);
          if (open && !trip) {
            trip = { ...open, stage, stageRequests: ended };
            stop.abort();
          }
          onRecord?.(rec);
        },
        trip: () => trip,
      };
    },
  };
}
