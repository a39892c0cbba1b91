/**
 * Typed errors. Every message says what failed and where; `hint` says what to run or change next.
 * The CLI's single top-level handler maps each kind to an exit code (CONVENTIONS.md, habit 6):
 * 0 ok, 1 bug, 2 usage/config, 3 environment, 4 thresholds failed.
 */
export type ErrorKind = "usage" | "environment" | "threshold" | "interrupted";

export class KneepointError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  constructor(kind: ErrorKind, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.hint = hint;
    this.name = "KneepointError";
  }
}

/** Bad flags, bad config file, invalid values: exit 2. */
export class UsageError extends KneepointError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super("usage", message, hint, options);
    this.name = "UsageError";
  }
}

/** Target, Prometheus or cluster unreachable or misbehaving: exit 3. */
export class EnvironmentError extends KneepointError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super("environment", message, hint, options);
    this.name = "EnvironmentError";
  }
}

/** An SLO or regression threshold failed: exit 4. */
export class ThresholdError extends KneepointError {
  constructor(message: string, hint?: string) {
    super("threshold", message, hint);
    this.name = "ThresholdError";
  }
}

/** The user stopped the run (Ctrl-C); partial results were saved: exit 130. */
export class InterruptedError extends KneepointError {
  constructor(message: string, hint?: string) {
    super("interrupted", message, hint);
    this.name = "InterruptedError";
  }
}

export const EXIT_CODES: Record<ErrorKind | "ok" | "bug", number> = {
  ok: 0,
  bug: 1,
  usage: 2,
  environment: 3,
  threshold: 4,
  interrupted: 130,
};

export function exitCodeFor(err: unknown): number {
  return err instanceof KneepointError ? EXIT_CODES[err.kind] : EXIT_CODES.bug;
}
