/** A FIFO counting semaphore (the calls' in-flight slots) and a promise resolved from outside. */

export interface Slots {
  /** Resolves with the release function once a slot is free. */
  acquire(): Promise<() => void>;
  /** Acquirers still waiting for a slot. */
  waiting(): number;
}

export function createSlots(limit: number): Slots {
  let free = limit;
  const queue: Array<() => void> = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else free++;
  };
  return {
    acquire: () =>
      new Promise((resolve) => {
        const grant = () => resolve(once(release));
        if (free > 0) {
          free--;
          grant();
        } else queue.push(grant);
      }),
    waiting: () => queue.length,
  };
}

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  /** The first call wins; later ones are ignored. */
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let settle!: (v: T) => void;
  let settled = false;
  const promise = new Promise<T>((r) => (settle = r));
  return {
    promise,
    resolve: (v) => {
      if (settled) return;
      settled = true;
      settle(v);
    },
  };
}
