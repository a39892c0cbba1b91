/**
 * Sends one stage's requests: the one scheduler of the load engine, on the main event loop.
 *
 * Open loop (constant, poisson): request i is due at origin + offsets[i], an absolute time, so a late send never
 * shifts the ones after it (CONVENTIONS.md habit 5). One timer for the whole stage wakes at the next due time
 * (src/sim/precise-timer.ts: setTimeout, or setImmediate when it is nearly due) and sends everything that is due,
 * so a timer that fires late is caught up at once, never accumulated. The next request's body is built while
 * waiting, off the send path. When `maxInFlight` requests are in flight a due request waits for a free slot and
 * is sent then: never dropped, its lateness recorded as schedule delay (send − scheduled).
 * Closed loop (concurrent): the first `maxInFlight` requests are scheduled at the origin, every later one at the
 * moment the request whose slot it takes ended, so its schedule delay measures only the client.
 *
 * Two run signals, as in the sweep: `stop` ends dispatching (what is in flight finishes), `abort` cancels what is
 * in flight. A stage timeout does both for this stage. Records are ScenarioRecords in completion order.
 */
import type { PreparedRequest } from "../engine/openai-stream-client.ts";
import type { RequestRecord } from "../engine/request-record.ts";
import type { RequestSource, ScenarioRecord, StageStatus } from "../scenarios/types.ts";
import { wakeAt, type WakeHandle } from "../sim/precise-timer.ts";

export interface DispatchStageOptions {
  /** Stage index written into every record (−1 for sweep probes). */
  stage: number;
  /** Requests the stage plans. */
  count: number;
  /** Due times in ms from the stage origin (ascending, `count` of them), or null for a closed loop. */
  offsetsMs: Float64Array | null;
  /** In-flight cap: the concurrency of a closed loop; Infinity for an unbounded open loop. */
  maxInFlight: number;
  /** Index in `source` of the stage's first request (requests are counted across the run). */
  firstRequest: number;
  source: RequestSource;
  send(req: PreparedRequest, signal: AbortSignal): Promise<RequestRecord>;
  stop: AbortSignal;
  abort: AbortSignal;
  /** Stage timeout: dispatching ends and in-flight requests are cancelled; the stage is `timed_out`. */
  timeoutMs?: number;
  /** Monotonic clock, ms (performance.now()). */
  now(): number;
  onRecord?(rec: ScenarioRecord): void;
  /**
   * Keep every record in the result (default true). False: records only reach `onRecord`, so a long stage holds
   * none of them (its summary state and per-request file are fed as they come) and `records` is empty.
   */
  keepRecords?: boolean;
}

export interface DispatchResult {
  status: Exclude<StageStatus, "failed">;
  /** Every record, in completion order; empty when `keepRecords` was false. */
  records: ScenarioRecord[];
  /** Records the stage produced (sent requests), kept or not. */
  recorded: number;
  /** The stage's time origin (offsets count from here). */
  originMs: number;
  /** First scheduled send (origin + first offset; the origin for a closed loop). */
  startMs: number;
  /** Last response end; the moment the stage settled when nothing was sent. */
  endMs: number;
  /** When dispatching ended: the last send, or the moment a stop or timeout ended it. */
  dispatchEndMs: number;
  /** Planned requests never sent. */
  unsent: number;
}

export function dispatchStage(o: DispatchStageOptions): Promise<DispatchResult> {
  // Programming errors, not config errors (the config schema rejects both): either would wait forever.
  if (!(o.maxInFlight >= 1)) return Promise.reject(new RangeError(`stage ${o.stage}: in-flight cap must be ≥ 1, got ${o.maxInFlight}`));
  if (o.offsetsMs && o.offsetsMs.length < o.count) return Promise.reject(new RangeError(`stage ${o.stage}: ${o.offsetsMs.length} due times for ${o.count} requests`));
  return new Promise<DispatchResult>((resolve, reject) => {
    const originMs = o.now();
    const offsets = o.offsetsMs;
    const records: ScenarioRecord[] = [];
    const stageAbort = new AbortController();
    const signal = AbortSignal.any([o.abort, stageAbort.signal]);
    let next = 0;
    let inFlight = 0;
    /** Why dispatching ended early, once it has. */
    let halt: "interrupted" | "timed_out" | null = null;
    let dispatchEndMs = originMs;
    let notSent = 0;
    let wake: WakeHandle | null = null;
    /** The next open-loop request, built while waiting for its due time, and its index in the source. */
    let prepared: { at: number; req: PreparedRequest } | null = null;
    let settled = false;
    const keep = o.keepRecords !== false;
    let recorded = 0;
    let lastEndMs = -Infinity;
    let sawAborted = false;

    const build = (at: number): PreparedRequest => {
      const r = o.source.request(at);
      return { index: r.recordIndex ?? at, body: r.body, plannedPromptTokens: r.plannedPromptTokens, ...(r.sessionId !== undefined ? { sessionId: r.sessionId } : {}) };
    };
    const prepare = (i: number): PreparedRequest => {
      const at = o.firstRequest + i;
      if (prepared?.at === at) {
        const p = prepared.req;
        prepared = null;
        return p;
      }
      return build(at);
    };

    const onStop = (): void => {
      if (next < o.count && !halt) {
        halt = "interrupted";
        dispatchEndMs = o.now();
      }
      tick(NaN);
    };
    const timer =
      o.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            if (!halt) {
              halt = "timed_out";
              if (next < o.count) dispatchEndMs = o.now();
            }
            stageAbort.abort();
            tick(NaN);
          }, o.timeoutMs);
    o.stop.addEventListener("abort", onStop);
    o.abort.addEventListener("abort", onStop);

    function settle(error?: unknown): void {
      if (settled) return;
      settled = true;
      wake?.cancel();
      if (timer) clearTimeout(timer);
      o.stop.removeEventListener("abort", onStop);
      o.abort.removeEventListener("abort", onStop);
      if (error !== undefined) {
        stageAbort.abort();
        return reject(error instanceof Error ? error : new Error(String(error)));
      }
      const endMs = lastEndMs;
      resolve({
        status: halt ?? (sawAborted ? "interrupted" : "completed"),
        records,
        recorded,        originMs,
        startMs: offsets && o.count > 0 ? originMs + offsets[0]! : originMs,
        endMs: Number.isFinite(endMs) ? endMs : o.now(),
        dispatchEndMs,
        unsent: o.count - next + notSent,
      });
    }

    function dispatch(scheduledMs: number): void {
      const req = prepare(next++);
      inFlight++;
      if (next === o.count) dispatchEndMs = o.now();
      o.send(req, signal).then((rec) => {
        inFlight--;
        if (rec.error?.reason === "aborted" && rec.sendMs === 0) {
          notSent++; // cancelled before it was written: not a measured request
        } else {
          const r = rec as ScenarioRecord;
          r.stage = o.stage;
          r.scheduledMs = scheduledMs;
          r.endMs = rec.endMs ?? o.now();
          recorded++;
          if (r.endMs > lastEndMs) lastEndMs = r.endMs;
          if (r.error?.reason === "aborted") sawAborted = true;
          if (keep) records.push(r);
          o.onRecord?.(r);
        }
        tick(rec.endMs ?? o.now());
      }, settle);
    }

    /** Sends everything due (and allowed by the in-flight cap), then sleeps until the next due time. */
    function tick(freedAtMs: number): void {
      if (settled) return;
      try {
        wake?.cancel();
        wake = null;
        if (!halt && (o.stop.aborted || o.abort.aborted) && next < o.count) {
          halt = "interrupted";
          dispatchEndMs = o.now();
        }
        if (!halt) {
          while (next < o.count && inFlight < o.maxInFlight) {
            if (offsets) {
              const dueMs = originMs + offsets[next]!;
              if (dueMs > o.now()) break;
              dispatch(dueMs);
            } else {
              // Closed loop: the first wave is due at the origin, each later request when its slot was freed.
              dispatch(next < o.maxInFlight ? originMs : Number.isNaN(freedAtMs) ? o.now() : freedAtMs);
              freedAtMs = NaN;
            }
          }
          if (offsets && next < o.count && inFlight < o.maxInFlight) {
            const dueMs = originMs + offsets[next]!;
            if (prepared === null) {
              prepared = { at: o.firstRequest + next, req: build(o.firstRequest + next) };
            }
            wake = wakeAt(dueMs, o.now, () => tick(NaN));
          }
        }
        if (inFlight === 0 && (halt !== null || next === o.count)) settle();
      } catch (err) {
        settle(err);
      }
    }

    tick(NaN);
  });
}
