/**
 * The live progress line. On a TTY one line is rewritten in place (at most 10 times a second); elsewhere
 * (CI logs, `kubectl logs`) a plain line is printed every 10 s and at the end of each step.
 */
export interface Progress {
  /** `total` null: the step's request count is not known ahead (a session replay stage). */
  stepStart(label: string, total: number | null): void;
  update(done: number, errors: number): void;
  stepEnd(summary: string): void;
  note(message: string): void;
}

export function createProgress(out: NodeJS.WriteStream | NodeJS.WritableStream, isTty: boolean): Progress {
  let label = "";
  let total: number | null = 0;
  let startMs = 0;
  let lastDrawMs = 0;
  let drawn = false;
  const line = (done: number, errors: number): string => {
    const elapsedS = (performance.now() - startMs) / 1000;
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    return `${label}  ${total === null ? done : `${done}/${total}`} requests  ${rate.toFixed(1)} req/s  ${errors} errors  ${elapsedS.toFixed(0)}s`;
  };
  const clear = (): void => {
    if (isTty && drawn) out.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    stepStart(l, t) {
      label = l;
      total = t;
      startMs = performance.now();
      lastDrawMs = 0;
      if (!isTty) out.write(`${label}  starting${total === null ? "" : ` ${total} requests`}\n`);
    },
    update(done, errors) {
      const now = performance.now();
      const interval = isTty ? 100 : 10_000;
      if (now - lastDrawMs < interval && (total === null || done < total)) return;
      lastDrawMs = now;
      if (isTty) {
        out.write("\r\x1b[2K" + line(done, errors));
        drawn = true;
      } else if (total === null || done < total) out.write(line(done, errors) + "\n");
    },
    stepEnd(summary) {
      clear();
      out.write(`${label}  ${summary}\n`);
    },
    note(message) {
      clear();
      out.write(message + "\n");
    },
  };
}
