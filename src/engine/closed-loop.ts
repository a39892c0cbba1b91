/**
 * Closed-loop load: N workers, each sending its next request as soon as its previous one finished
 * (unbounded request rate, fixed concurrency), until the step's requests are used up.
 * Two signals: `stop` ends dispatching (in-flight requests finish), `abort` cancels in-flight requests.
 */
import type { RequestRecord } from "./request-record.ts";
import type { PreparedRequest } from "./openai-stream-client.ts";

export interface ClosedLoopOptions {
  concurrency: number;
  requests: PreparedRequest[];
  send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord>;
  stop: AbortSignal;
  abort: AbortSignal;
  onRecord?(rec: RequestRecord): void;
  /** Monotonic clock in ms (injected so tests can control it). */
  now(): number;
}

export interface ClosedLoopResult {
  /** Records in completion order (only requests that were sent). */
  records: RequestRecord[];
  /** Monotonic ms just before the first send, and after the last completion. */
  startMs: number;
  endMs: number;
  /** Requests never sent because the run was stopped. */
  unsent: number;
}

export async function runClosedLoop(opts: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const records: RequestRecord[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.requests.length && !opts.stop.aborted) {
      const req = opts.requests[next++]!;
      const rec = await opts.send(req, opts.abort);
      records.push(rec);
      opts.onRecord?.(rec);
    }
  };
  const startMs = opts.now();
  const workers = Math.min(opts.concurrency, opts.requests.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return { records, startMs, endMs: opts.now(), unsent: opts.requests.length - next };
}
