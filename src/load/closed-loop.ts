/**
 * A closed loop over requests prepared up front (the sweep's exact-length prompts, a capacity probe's, the
 * benchmarks'): one stage of the one dispatcher (dispatch-stage.ts) with no due times and `concurrency` in flight.
 * Each of the first `concurrency` requests is scheduled at the stage's origin, every later one when the request
 * whose slot it takes ended, so a record's schedule delay (sendMs − scheduledMs) measures only the client.
 */
import type { PreparedRequest } from "../engine/openai-stream-client.ts";
import type { RequestRecord } from "../engine/request-record.ts";
import type { RequestSource, ScenarioRecord } from "../scenarios/types.ts";
import { dispatchStage, type DispatchResult } from "./dispatch-stage.ts";

export interface ClosedLoopOptions {
  concurrency: number;
  requests: readonly PreparedRequest[];
  send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord>;
  /** Ends dispatching; in-flight requests finish. */
  stop: AbortSignal;
  /** Cancels in-flight requests. */
  abort: AbortSignal;
  onRecord?(rec: ScenarioRecord): void;
  /** Monotonic clock in ms (performance.now(); injected so tests can control it). */
  now(): number;
  /** Stage index written into every record (default 0). */
  stage?: number;
}

/** The requests as a RequestSource: request i is requests[i], its body as prepared and its record index the prepared one. */
export function preparedSource(requests: readonly PreparedRequest[]): RequestSource {
  return {
    request(i) {
      const r = requests[i];
      if (!r) throw new RangeError(`request ${i} of ${requests.length} prepared`);
      return { body: r.body, plannedPromptTokens: r.plannedPromptTokens, plannedOutputTokens: null, recordIndex: r.index };
    },
    describe: () => `${requests.length} prepared requests`,
  };
}

/** Records in completion order; `unsent` counts the requests a stop left unsent. Nothing is sent when there are none. */
export async function runClosedLoop(o: ClosedLoopOptions): Promise<DispatchResult> {
  const count = o.requests.length;
  if (count === 0) {
    const t = o.now();
    return { status: "completed", records: [], recorded: 0, originMs: t, startMs: t, endMs: t, dispatchEndMs: t, unsent: 0 };
  }
  const res = await dispatchStage({
    stage: o.stage ?? 0,
    count,
    offsetsMs: null,
    maxInFlight: Math.max(1, Math.min(o.concurrency, count)),
    firstRequest: 0,
    source: preparedSource(o.requests),
    send: o.send,
    stop: o.stop,
    abort: o.abort,
    now: o.now,
    ...(o.onRecord ? { onRecord: o.onRecord } : {}),
  });
  return res;
}
