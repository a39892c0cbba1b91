/**
 * `kneepoint run`'s credentials: the key from the environment when the config names none, a watch that stops a
 * run whose first requests are all refused, and the error that says so. Auth failures are recognized by
 * src/engine/auth-failure.ts, on records after they settle (never on the per-chunk path).
 */
import { EnvironmentError } from "../errors.ts";
import { authFailureHint, authFailureOfError, describeAuthFailure } from "../engine/auth-failure.ts";
import type { RequestError, RequestRecord } from "../engine/request-record.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";

/**
 * server.api_key, or OPENAI_API_KEY when the config has none: the bench-target-auth Secret reaches the Job as that
 * variable, as it does for `kneepoint sweep`, so the key need not be written into a config file or ConfigMap.
 */
export function withApiKeyFromEnv(cfg: ScenarioConfig, env: NodeJS.ProcessEnv): ScenarioConfig {
  const key = env.OPENAI_API_KEY?.trim();
  if (cfg.server.api_key !== null || !key) return cfg;
  return { ...cfg, server: { ...cfg.server, api_key: key } };
}

/** Requests seen before a run whose every answer was a refusal is stopped. */
export const REFUSALS_BEFORE_STOP = 8;

export interface RefusalWatch {
  /** Aborts once the first REFUSALS_BEFORE_STOP settled requests were all refused on credentials. */
  signal: AbortSignal;
  observe(rec: Pick<RequestRecord, "error">): void;
  /** True when the watch stopped the run. */
  stopped(): boolean;
}

export function createRefusalWatch(limit = REFUSALS_BEFORE_STOP): RefusalWatch {
  const controller = new AbortController();
  let seen = 0;
  let refused = 0;
  return {
    signal: controller.signal,
    observe(rec) {
      if (seen >= limit) return;
      seen++;
      if (authFailureOfError(rec.error)) refused++;
      if (seen === limit && refused === limit) controller.abort();
    },
    stopped: () => controller.signal.aborted,
  };
}

/** The error of a run whose every request failed: a refusal named as one, anything else as the first error. */
export function everyRequestFailedError(first: RequestError, o: { target: string; model: string; reportsDir: string; keySent: boolean; scrub: (s: string) => string; stoppedEarly: boolean }): EnvironmentError {
  const refused = authFailureOfError(first);
  if (refused) {
    return new EnvironmentError(
      `${describeAuthFailure(refused, o.target)}: every request failed${o.stoppedEarly ? `; the run was stopped after the first ${REFUSALS_BEFORE_STOP} requests` : ""}`,
      `${authFailureHint(o.keySent)} (reports in ${o.reportsDir})`,
    );
  }
  return new EnvironmentError(
    `every request failed; first error: ${first.reason}${first.status ? ` ${first.status}` : ""}: ${o.scrub(first.message)}`,
    `check that ${o.target} serves model '${o.model}' (reports in ${o.reportsDir})`,
  );
}
