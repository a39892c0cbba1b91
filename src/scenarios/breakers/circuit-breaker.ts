/**
 * One circuit breaker, as inference-perf 0.7.0's SimpleCircuitBreaker (circuit_breaker/simple_breaker.py:37-54):
 * a fed request is watched when any `metrics.matches` expression is truthy on it (Python `bool`, an expression that
 * raises counts as false); a watched request is a hit when `metrics.rules` is empty or any rule is truthy; every
 * trigger gets the sample, and the breaker opens when any trigger has fired. It never closes during a run.
 * kneepoint also keeps when and on which request it opened, which 0.7.0 only logs.
 */
import type { CircuitBreakerConfig } from "../config/circuit-breaker-schema.ts";
import { createTrigger, type Trigger } from "./breaker-triggers.ts";
import { compileExpression, pythonTruthy, type CompiledExpression } from "./jmespath-expression.ts";

export interface BreakerTrip {
  breaker: string;
  /** The trigger that fired first, as configured, and what it saw. */
  trigger: CircuitBreakerConfig["triggers"][number];
  triggerIndex: number;
  detail: string;
  /** Monotonic ms of the request that tripped it (its end), and requests fed / watched / hits up to it (run-wide). */
  atMs: number;
  requestsFed: number;
  watched: number;
  hits: number;
}

export interface CircuitBreaker {
  name: string;
  config: CircuitBreakerConfig;
  /** Feeds one request (its 0.7.0 RequestLifecycleMetric dump) that ended at `atMs`. */
  feed(doc: unknown, atMs: number): void;
  isOpen(): boolean;
  trip(): BreakerTrip | null;
  counts(): { fed: number; watched: number; hits: number };
}

function anyTruthy(exprs: readonly CompiledExpression[], doc: unknown): boolean {
  for (const e of exprs) {
    try {
      if (pythonTruthy(e.search(doc))) return true;
    } catch {
      // simple_breaker.py `_search`: an expression that raises is skipped
    }
  }
  return false;
}

export function createCircuitBreaker(config: CircuitBreakerConfig): CircuitBreaker {
  const matches = config.metrics.matches.map(compileExpression);
  const rules = config.metrics.rules.map(compileExpression);
  const triggers: Trigger[] = config.triggers.map(createTrigger);
  let fed = 0;
  let watched = 0;
  let hits = 0;
  let tripped: BreakerTrip | null = null;
  return {
    name: config.name,
    config,
    feed(doc, atMs) {
      fed++;
      if (!anyTruthy(matches, doc)) return;
      watched++;
      const hit = rules.length === 0 || anyTruthy(rules, doc) ? 1 : 0;
      hits += hit;
      triggers.forEach((t, i) => {
        t.update({ atMs, hit });
        if (t.fired() && tripped === null) {
          tripped = { breaker: config.name, trigger: t.config, triggerIndex: i, detail: t.detail(), atMs, requestsFed: fed, watched, hits };
        }
      });
    },
    isOpen: () => tripped !== null,
    trip: () => tripped,
    counts: () => ({ fed, watched, hits }),
  };
}
