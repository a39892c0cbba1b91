/**
 * `kneepoint capacity`'s gate scope: the answers (capacity_rps, capacity_concurrency). An axis that was not
 * searched, or found no level meeting the SLOs, reads as not measured for its own name (so `capacity_rps < 20`
 * fails when no rate met the SLOs; a gate that cannot be checked must not pass in CI). Pure.
 */
import type { GateScope } from "./evaluate-gates.ts";

export interface CapacityAnswers {
  /** null: not searched, or no rate met the SLOs. */
  rateRps: number | null;
  concurrency: number | null;
}

export function capacityScope(a: CapacityAnswers): GateScope {
  return {
    where: "capacity",
    read: (q) => {
      if (q.kind !== "scalar") return null;
      if (q.name === "capacity_rps") return a.rateRps;
      if (q.name === "capacity_concurrency") return a.concurrency;
      return null;
    },
    baseline: null,
  };
}
