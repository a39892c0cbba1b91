/**
 * The breakers a run enables (load.circuit_breakers, in that order, each defined in the top-level circuit_breakers),
 * fed every request of every stage as it ends. inference-perf 0.7.0 checks them once a second in its stage loop
 * (loadgen/load_generator.py:1214-1217, with `await sleep(1)` at 1227: the first of `self.circuit_breakers` that
 * is open ends the stage FAILED); kneepoint checks after each request, so the stage stops on the request that
 * tripped a breaker rather than up to a second later.
 */
import type { CircuitBreakerConfig } from "../config/circuit-breaker-schema.ts";
import { createCircuitBreaker, type BreakerTrip, type CircuitBreaker } from "./circuit-breaker.ts";

/** A trip as a stage records it: the breaker's trip plus where in the stage it happened. */
export interface StageBreakerTrip extends BreakerTrip {
  stage: number;
  /** Requests of this stage that had ended when it tripped (the tripping one included). */
  stageRequests: number;
}

export interface RunBreakers {
  /** Feeds one ended request; returns the first enabled breaker that is open, or null. */
  observe(doc: unknown, atMs: number): BreakerTrip | null;
  /** The first open breaker, if any. */
  open(): BreakerTrip | null;
  breakers: readonly CircuitBreaker[];
}

export function createRunBreakers(enabled: readonly CircuitBreakerConfig[]): RunBreakers {
  const breakers = enabled.map(createCircuitBreaker);
  const open = () => breakers.find((b) => b.isOpen())?.trip() ?? null;
  return {
    breakers,
    observe(doc, atMs) {
      for (const b of breakers) b.feed(doc, atMs);
      return open();
    },
    open,
  };
}

/** load.circuit_breakers resolved against the top-level definitions (a later definition of a name wins, as 0.7.0's dict). */
export function enabledBreakers(defined: readonly CircuitBreakerConfig[] | null, names: readonly string[]): CircuitBreakerConfig[] {
  const byName = new Map((defined ?? []).map((b) => [b.name, b] as const));
  return names.flatMap((n) => {
    const b = byName.get(n);
    return b ? [b] : [];
  });
}
