/**
 * The search for the highest load that meets every SLO, as a pure function of the probes so far (nextProbe) and a
 * small driver that feeds it a `probe(level, attempt)` function (searchCapacity), so tests drive it with a
 * synthetic latency-vs-load curve and the runner with real traffic.
 *
 *   bracket: from `start`, double while every probe passes (up to `max`), halve while every probe fails (down
 *            to `min`); then
 *   bisect:  between the highest passing level and the lowest failing level above it, until they are within
 *            `relTolerance` of the passing one (integer levels: adjacent, or within the tolerance);
 *   repeat:  a probe whose verdict is close (some SLO within a few % of its limit) is measured again at the same
 *            level, up to `maxRepeats` more times; the level's verdict is its last attempt's (the runner pools the
 *            attempts' requests, so the last attempt holds the most samples).
 * The answer is the highest passing level, with the interval [answer, lowest failing level above it]. A failing
 * level below a passing one (noise, or a non-monotone server) is kept in the probes and noted, not searched.
 */
export interface SearchSpec {
  start: number;
  min: number;
  max: number;
  relTolerance: number;
  integer: boolean;
  maxRepeats: number;
}

export interface ProbeVerdict {
  pass: boolean;
  close: boolean;
}

export interface ProbeStep<V extends ProbeVerdict = ProbeVerdict> {
  level: number;
  /** 1 for the first measurement of a level, 2 for its first repeat, … */
  attempt: number;
  verdict: V;
}

export type StopReason = "converged" | "max-reached" | "none-passed" | "interrupted";

export type NextProbe = { kind: "probe"; level: number; attempt: number } | { kind: "done"; reason: Exclude<StopReason, "interrupted"> };

/** Each level's verdict: its last attempt's. */
function verdicts(history: readonly ProbeStep[]): Map<number, boolean> {
  const out = new Map<number, boolean>();
  for (const h of history) out.set(h.level, h.verdict.pass);
  return out;
}

export function bracketOf(history: readonly ProbeStep[]): { lastPass: number | null; firstFail: number | null } {
  let lastPass: number | null = null;
  for (const [level, pass] of verdicts(history)) if (pass && (lastPass === null || level > lastPass)) lastPass = level;
  let firstFail: number | null = null;
  for (const [level, pass] of verdicts(history)) if (!pass && (lastPass === null || level > lastPass) && (firstFail === null || level < firstFail)) firstFail = level;
  return { lastPass, firstFail };
}

/** The bracket so far of one axis's probes (those of a level that is not cut short): the outcome of a search that stopped now. */
export function interruptedOutcome<V extends ProbeVerdict & { axis: string; level: number; attempt: number; partial: boolean }>(probes: readonly V[], axis: V["axis"]): SearchOutcome<V> {
  const sofar = bracketOf(probes.filter((p) => p.axis === axis && !p.partial).map((p) => ({ level: p.level, attempt: p.attempt, verdict: p })));
  return { probes: [], answer: sofar.lastPass, firstFail: sofar.firstFail, reason: "interrupted", nonMonotone: [] };
}

/** A level between a and b: the integer midpoint, or the midpoint rounded to 4 significant digits. */
function midpoint(a: number, b: number, integer: boolean): number {
  if (integer) return Math.floor((a + b) / 2);
  const mid = (a + b) / 2;
  const rounded = Number(mid.toPrecision(4));
  return rounded > a && rounded < b ? rounded : mid;
}

export function converged(lastPass: number, firstFail: number, spec: Pick<SearchSpec, "relTolerance" | "integer">): boolean {
  if (spec.integer && firstFail - lastPass <= 1) return true;
  return (firstFail - lastPass) / lastPass <= spec.relTolerance + 1e-12;
}

export function nextProbe(spec: SearchSpec, history: readonly ProbeStep[]): NextProbe {
  const last = history[history.length - 1];
  if (last === undefined) return { kind: "probe", level: spec.start, attempt: 1 };
  if (last.verdict.close && last.attempt <= spec.maxRepeats) return { kind: "probe", level: last.level, attempt: last.attempt + 1 };
  const { lastPass, firstFail } = bracketOf(history);
  if (firstFail === null) {
    if (lastPass! >= spec.max) return { kind: "done", reason: "max-reached" };
    return { kind: "probe", level: Math.min(lastPass! * 2, spec.max), attempt: 1 };
  }
  if (lastPass === null) {
    if (firstFail <= spec.min) return { kind: "done", reason: "none-passed" };
    const down = spec.integer ? Math.floor(firstFail / 2) : firstFail / 2;
    return { kind: "probe", level: Math.max(down, spec.min), attempt: 1 };
  }
  if (converged(lastPass, firstFail, spec)) return { kind: "done", reason: "converged" };
  return { kind: "probe", level: midpoint(lastPass, firstFail, spec.integer), attempt: 1 };
}

export interface SearchOutcome<V extends ProbeVerdict> {
  probes: Array<ProbeStep<V>>;
  /** Highest passing level, or null when none passed. */
  answer: number | null;
  /** Lowest failing level above the answer, or null when none failed (the answer is at least `max`). */
  firstFail: number | null;
  reason: StopReason;
  /** Failing levels below the answer (noise or a non-monotone server). */
  nonMonotone: number[];
}

export async function searchCapacity<V extends ProbeVerdict>(
  spec: SearchSpec,
  probe: (level: number, attempt: number) => Promise<V | null>,
  stopped: () => boolean = () => false,
): Promise<SearchOutcome<V>> {
  const probes: Array<ProbeStep<V>> = [];
  let reason: StopReason;
  for (;;) {
    if (stopped()) {
      reason = "interrupted";
      break;
    }
    const next = nextProbe(spec, probes);
    if (next.kind === "done") {
      reason = next.reason;
      break;
    }
    const verdict = await probe(next.level, next.attempt);
    // null: the probe was cut short (Ctrl-C); its partial verdict is not trusted.
    if (verdict === null) {
      reason = "interrupted";
      break;
    }
    probes.push({ level: next.level, attempt: next.attempt, verdict });
  }
  const { lastPass, firstFail } = bracketOf(probes);
  const nonMonotone = lastPass === null ? [] : [...verdicts(probes)].filter(([level, pass]) => !pass && level < lastPass).map(([level]) => level);
  return { probes, answer: lastPass, firstFail, reason, nonMonotone };
}
