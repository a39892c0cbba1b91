/**
 * Ctrl-C handling for long runs: the first SIGINT/SIGTERM stops sending new requests and gives in-flight
 * ones `graceMs` to finish; a second signal (or the end of the grace period) cancels them. Whatever was
 * measured is then written and the run is marked partial.
 */
export interface Interrupt {
  stop: AbortSignal;
  abort: AbortSignal;
  dispose(): void;
}

export function installInterrupt(opts: { graceMs: number; onStop(): void; onAbort(): void }): Interrupt {
  const stop = new AbortController();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const handler = (): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      opts.onStop();
      timer = setTimeout(() => {
        if (!abort.signal.aborted) {
          abort.abort();
          opts.onAbort();
        }
      }, opts.graceMs);
      timer.unref();
    } else if (!abort.signal.aborted) {
      abort.abort();
      opts.onAbort();
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    stop: stop.signal,
    abort: abort.signal,
    dispose() {
      if (timer) clearTimeout(timer);
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
