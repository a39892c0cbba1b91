/**
 * inference-perf 0.7.0's worker pinning for session data (loadgen/load_generator.py): a session generator asks for
 * one request queue per worker (`is_preferred_worker_requested`), and request k goes to worker
 * `preferred_worker_id mod num_workers` (shared_prefix multi-turn: k mod num_groups; conversation_replay: its slot), so
 * a session's turns all go through one worker. Each worker takes an item only with one of its own
 * `worker_max_concurrency` slots and holds it while the turn waits for its session, is sent, and holds its tool-call
 * latency. kneepoint keeps the same slots for open-loop stages: a turn waits for a slot of its worker (that wait is
 * schedule delay, as a queued item's is in 0.7.0), so one busy worker does not take slots another could use.
 * Closed-loop stages keep kneepoint's one concurrency level (dispatch-stage.ts).
 */

export interface WorkerSlots {
  /** Waits for a free slot of the worker `preferred` maps to (first come, first served); resolves to its release. */
  acquire(preferred: number): Promise<() => void>;
}

export function createWorkerSlots(workers: number, perWorker: number): WorkerSlots {
  const free = new Array<number>(workers).fill(perWorker);
  const waiting = Array.from({ length: workers }, () => [] as Array<() => void>);
  return {
    acquire(preferred) {
      const w = preferred % workers;
      return new Promise((resolve) => {
        const grant = () =>
          resolve(() => {
            const next = waiting[w]!.shift();
            if (next) next();
            else free[w]!++;
          });
        if (free[w]! > 0) {
          free[w]!--;
          grant();
        } else waiting[w]!.push(grant);
      });
    },
  };
}
