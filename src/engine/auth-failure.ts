/**
 * Recognizes a target that refused the run's credentials, so the user reads "the key was rejected, check
 * OPENAI_API_KEY" instead of a generic HTTP error. Pure, and never on the per-chunk hot path: it reads the answer
 * of GET /v1/models before the run, and a step's failed records after the step.
 *
 * What counts as a refusal:
 *  - 401 Unauthorized (a wrong or missing key: vLLM's --api-key, a LiteLLM proxy with a database, gateways);
 *  - 403 Forbidden (a key that may not use this model or route);
 *  - LiteLLM's 400 `no_db_connection` ("No connected db."): a LiteLLM proxy with only a master key and no
 *    database answers every other key this way, because it cannot look virtual keys up (litellm 1.108.7,
 *    user_api_key_auth.py; checked against the real proxy in test/litellm/).
 */
import type { RequestError, RequestRecord } from "./request-record.ts";

export interface AuthFailure {
  status: number;
  /** What the target said, in words: no secret in it (built from the status and the error type only). */
  detail: string;
}

const LITELLM_NO_DB = /no_db_connection|No connected db/;

/** The refusal in an HTTP answer (status and the body, or an excerpt of it), or null when it is not one. */
export function authFailureOf(status: number, body: string): AuthFailure | null {
  if (status === 401) return { status, detail: "HTTP 401 Unauthorized: the target rejected the API key" };
  if (status === 403) return { status, detail: "HTTP 403 Forbidden: the API key may not use this model or route" };
  if (status === 400 && LITELLM_NO_DB.test(body)) {
    return {
      status,
      detail:
        "HTTP 400 no_db_connection: the LiteLLM proxy rejected the API key (it is not the proxy's master key, and the " +
        "proxy has no database to look virtual keys up in)",
    };
  }
  return null;
}

/** The refusal behind a failed request (reason "http"; its message holds the body's excerpt), or null. */
export function authFailureOfError(error: RequestError | null | undefined): AuthFailure | null {
  if (!error || error.reason !== "http" || error.status === undefined) return null;
  return authFailureOf(error.status, error.message);
}

/**
 * True when there were requests and every one was refused on credentials: nothing later in the run can succeed
 * with the same key, so the run stops instead of failing the remaining steps request by request.
 */
export function everyRequestRefusedCredentials(records: readonly Pick<RequestRecord, "error">[]): boolean {
  return records.length > 0 && records.every((r) => authFailureOfError(r.error) !== null);
}

/** Whether the request headers carry credentials (the bearer key, or an `X-Api-Key`-style header given with --header). */
export function sendsCredentials(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((name) => /auth|key|token/i.test(name));
}

/** What to check, for a refusal: where the key comes from, for a sweep, a scenario and the cluster Job. */
export function authFailureHint(keySent: boolean): string {
  const where = "OPENAI_API_KEY or --api-key (kneepoint run: server.api_key or OPENAI_API_KEY; in the cluster: the bench-target-auth Secret)";
  return keySent
    ? `check the API key: ${where}; a LiteLLM proxy takes its master key or a virtual key it knows`
    : `no API key was sent: set ${where}`;
}

/** One line for a refused run: "the target refused the credentials (HTTP 401 …)". */
export function describeAuthFailure(f: AuthFailure, where: string): string {
  return `${where} refused the credentials (${f.detail})`;
}
