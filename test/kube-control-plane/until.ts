/** Polling helpers for tests against the real control plane. */
import { ApiException } from "@kubernetes/client-node";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An API error in one line: the HTTP status and the API server's body. */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) return `HTTP ${err.code}: ${typeof err.body === "string" ? err.body : JSON.stringify(err.body)}`;
  return err instanceof Error ? err.message : String(err);
}

/** Polls `fn` until it returns a truthy value (errors count as "not yet"); fails naming `what` and the last error. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, pollMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last: ${describeError(last)})` : ""}`);
    await sleep(pollMs);
  }
}
