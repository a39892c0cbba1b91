/**
 * Secrets never reach logs, results or benchmarks.md: API keys and credential-bearing headers are replaced
 * before anything is written or printed.
 */
const SENSITIVE_HEADER = /auth|key|token|secret|cookie|password/i;
export const REDACTED = "[redacted]";

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SENSITIVE_HEADER.test(k) ? REDACTED : v]));
}

export function redactConfig<T extends { apiKey?: string | undefined; headers?: Record<string, string> }>(cfg: T): T {
  return {
    ...cfg,
    ...(cfg.apiKey !== undefined ? { apiKey: REDACTED } : {}),
    ...(cfg.headers ? { headers: redactHeaders(cfg.headers) } : {}),
  };
}

/** Removes any occurrence of the given secret values from a text (error messages may echo request data). */
export function scrubSecrets(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}
