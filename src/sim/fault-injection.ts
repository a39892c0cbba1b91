/**
 * Fault injection, per request: from the `x-kneepoint-fault` header (for tests) or drawn from the
 * configured rates with a seeded generator (for runs).
 *
 * Header grammar (items separated by ";" or ","; whitespace ignored):
 *   status=<400-599>        answer with this HTTP status and an OpenAI-style JSON error, no tokens
 *   rate-limit              answer 429 with `Retry-After: 1`
 *   stall-ms=<ms>           hold the first token back this long (headers are sent at once)
 *   disconnect-after=<n>    destroy the connection after n token chunks (0: right after the headers)
 *   malformed-at=<k>        the k-th token chunk (1-based) is a data line that is not JSON
 *   reset                   close the connection before any response byte (a transport fault: no status, no headers)
 * e.g. `x-kneepoint-fault: stall-ms=2000; disconnect-after=5`. An unknown item is a 400 error.
 *
 * Rates: each request draws, in arrival order, a reset first (only when its rate is set, so the other draws of a seed
 * stay as they were), then rate-limit, then the error status; requests
 * that got neither may still stall, disconnect (after a random point of their answer) and/or carry
 * one malformed chunk.
 */
import { createRng, hashString, intBelow, type Rng } from "./seeded-random.ts";

export const FAULT_HEADER = "x-kneepoint-fault";

export interface FaultPlan {
  status?: number;
  rateLimit?: boolean;
  stallMs?: number;
  disconnectAfter?: number;
  malformedAt?: number;
  /** Close the connection before the response headers. */
  reset?: boolean;
}

export interface FaultRates {
  faultErrorRate: number;
  faultErrorStatus: number;
  faultRateLimitRate: number;
  faultDisconnectRate: number;
  faultStallRate: number;
  faultStallMs: number;
  faultMalformedRate: number;
  /** Fraction whose connection is closed before any response (default 0). */
  faultResetRate?: number;
}

export const FAULT_HEADER_HELP =
  "x-kneepoint-fault: status=<400-599> | rate-limit | reset | stall-ms=<ms> | disconnect-after=<tokens> | malformed-at=<k> (join with ';')";

/** Parses the header; returns an error message for a malformed one. */
export function parseFaultHeader(value: string): FaultPlan | { error: string } {
  const plan: FaultPlan = {};
  for (const raw of value.split(/[;,]/)) {
    const item = raw.trim();
    if (item === "") continue;
    if (item === "rate-limit") {
      plan.rateLimit = true;
      continue;
    }
    if (item === "reset") {
      plan.reset = true;
      continue;
    }
    const m = /^([a-z-]+)\s*=\s*(\d+)$/.exec(item);
    const n = m ? Number(m[2]) : NaN;
    switch (m?.[1]) {
      case "status":
        if (n < 400 || n > 599) return { error: `status must be 400-599 in ${FAULT_HEADER}, got ${item}` };
        plan.status = n;
        break;
      case "stall-ms":
        plan.stallMs = n;
        break;
      case "disconnect-after":
        plan.disconnectAfter = n;
        break;
      case "malformed-at":
        if (n < 1) return { error: `malformed-at counts token chunks from 1 in ${FAULT_HEADER}, got ${item}` };
        plan.malformedAt = n;
        break;
      default:
        return { error: `unknown ${FAULT_HEADER} item "${item}"; grammar: ${FAULT_HEADER_HELP}` };
    }
  }
  return plan;
}

export function hasRates(rates: FaultRates): boolean {
  return (
    rates.faultErrorRate > 0 ||
    rates.faultRateLimitRate > 0 ||
    rates.faultDisconnectRate > 0 ||
    rates.faultStallRate > 0 ||
    rates.faultMalformedRate > 0 ||
    (rates.faultResetRate ?? 0) > 0
  );
}

/** A seeded source of rate-based fault plans; `draw(outputTokens)` once per request. */
export function createFaultDrawer(rates: FaultRates, seed: number): (outputTokens: number) => FaultPlan {
  const rng: Rng = createRng(hashString("faults", seed));
  return (outputTokens) => {
    const plan: FaultPlan = {};
    const resetRate = rates.faultResetRate ?? 0;
    if (resetRate > 0 && rng() < resetRate) return { reset: true };
    if (rng() < rates.faultRateLimitRate) return { rateLimit: true };
    if (rng() < rates.faultErrorRate) return { status: rates.faultErrorStatus };
    if (rng() < rates.faultStallRate) plan.stallMs = rates.faultStallMs;
    if (rng() < rates.faultDisconnectRate) plan.disconnectAfter = intBelow(rng, Math.max(1, outputTokens));
    if (rng() < rates.faultMalformedRate) plan.malformedAt = 1 + intBelow(rng, Math.max(1, outputTokens));
    return plan;
  };
}
