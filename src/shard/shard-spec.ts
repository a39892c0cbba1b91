/**
 * Which share of a plan one load process sends (`--shard i/N`), when it starts (`--start-at TIME`), and the id
 * that tells shards of the same plan apart from shards of another (`planId`). The index is 0-based, as
 * Kubernetes' JOB_COMPLETION_INDEX in an Indexed Job, so a pod can pass `--shard $JOB_COMPLETION_INDEX/N`.
 */
import { createHash } from "node:crypto";
import { UsageError } from "../errors.ts";

export interface ShardSpec {
  /** 0-based: 0 … count − 1. */
  index: number;
  count: number;
}

/** More load processes than this is a typo, not a plan (a 4-digit count is thousands of pods). */
export const MAX_SHARDS = 1024;

const SHARD_FORM = "--shard i/N with 0 ≤ i < N ≤ 1024, e.g. --shard 0/4 … --shard 3/4 (in an Indexed Job: --shard $JOB_COMPLETION_INDEX/N)";

/** "2/4" → { index: 2, count: 4 }. */
export function parseShardFlag(value: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`--shard must look like i/N (shard i of N, 0-based), got '${value}'`, SHARD_FORM);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new UsageError(`--shard ${value}: the shard count N must be at least 1`, SHARD_FORM);
  if (count > MAX_SHARDS) throw new UsageError(`--shard ${value}: at most ${MAX_SHARDS} shards`, SHARD_FORM);
  if (index >= count) {
    throw new UsageError(`--shard ${value}: the index is 0-based, so shard ${index} of ${count} does not exist (the last one is ${count - 1}/${count})`, SHARD_FORM);
  }
  return { index, count };
}

const START_AT_FORM =
  "--start-at takes an ISO-8601 time with a zone (2026-12-03T22:00:00Z, 2026-12-03T23:00:00+01:00) or epoch milliseconds (date -d '+1 min' +%s%3N)";
/** Epoch ms below this (1973) are almost certainly epoch seconds. */
const MIN_EPOCH_MS = 1e11;
/** A start more than a day ahead is a wrong date, not a plan. */
const MAX_AHEAD_MS = 24 * 3600 * 1000;

/**
 * ISO-8601 or epoch ms → epoch ms. A time in the past is accepted (a late pod starts at once, and its start skew
 * shows in `kneepoint merge`); a time without a zone is refused (pods' local zones differ), as are epoch
 * seconds and times more than a day ahead of `nowMs`.
 */
export function parseStartAt(value: string, nowMs: number): number {
  const v = value.trim();
  let epochMs: number;
  if (/^\d+$/.test(v)) {
    epochMs = Number(v);
    if (epochMs < MIN_EPOCH_MS) {
      throw new UsageError(`--start-at ${v} looks like epoch seconds (or a date before 1973); it takes epoch milliseconds`, `use ${v}000, or ${START_AT_FORM}`);
    }
  } else {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v)) {
      const hint = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/i.test(v) ? `add the zone (${v}Z for UTC): pods may run in different time zones` : START_AT_FORM;
      throw new UsageError(`--start-at '${value}' is not an ISO-8601 time with a zone nor epoch milliseconds`, hint);
    }
    epochMs = Date.parse(v);
    if (!Number.isFinite(epochMs)) throw new UsageError(`--start-at '${value}' is not a valid date`, START_AT_FORM);
  }
  if (epochMs - nowMs > MAX_AHEAD_MS) {
    throw new UsageError(`--start-at ${new Date(epochMs).toISOString()} is more than a day ahead of this machine's clock (${new Date(nowMs).toISOString()})`, START_AT_FORM);
  }
  return epochMs;
}

export interface WaitClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: WaitClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Resolves at wall-clock `epochMs` (at once when it has passed), or as soon as `signal` aborts. `onWait` is told
 * the remaining ms right away and then about once a second, for a countdown. Never rejects.
 */
export function waitUntil(epochMs: number, signal: AbortSignal, onWait?: (remainingMs: number) => void, clock: WaitClock = systemClock): Promise<void> {
  return new Promise((resolve) => {
    let handle: unknown = null;
    const finish = () => {
      if (handle !== null) clock.clearTimeout(handle);
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const tick = () => {
      handle = null;
      const remaining = epochMs - clock.now();
      if (remaining <= 0 || signal.aborted) return finish();
      onWait?.(remaining);
      // Sleep to the next whole second of the countdown, or to the start when it is closer.
      const step = remaining % 1000 || 1000;
      handle = clock.setTimeout(tick, Math.min(remaining, step));
    };
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", finish, { once: true });
    tick();
  });
}

/** JSON with object keys sorted at every level; typed arrays as arrays; undefined members dropped (as JSON does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value !== null && typeof value === "object") {
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return canonical((value as { toJSON(): unknown }).toJSON());
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== "function") out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * 16 hex digits of sha256 of the canonical JSON of an unsharded plan: equal for every shard of one plan, whatever
 * its index, and different as soon as anything the shards send differs. Pass the plan before it is sharded.
 */
export function planId(plan: unknown): string {
  return createHash("sha256").update(canonicalJson(plan)).digest("hex").slice(0, 16);
}
