/** Test helpers: poll until a condition holds, and read a client-node ApiException's Status body. */
import { ApiException } from "@kubernetes/client-node";

export async function waitUntil<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The failure a client-node call ends with: HTTP code and the Status body, parsed. */
export async function apiFailure(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const raw = (err as ApiException<unknown>).body;
    const body = typeof raw === "string" ? (JSON.parse(raw) as Record<string, unknown>) : (raw as Record<string, unknown>);
    return { code: err.code, body };
  }
  throw new Error("the call succeeded; a failure was expected");
}
