/**
 * The engine benchmark's printed report (pure: cell results in, text out): one table per simulator mode with
 * the native engine and the raw reader side by side, the memory estimate, and the verdict against the goals.
 */
import Table from "cli-table3";
import type { CellResult, ClientKind, SimMode } from "./engine-cell-spec.ts";

/** A side is called saturated at or above this share of its one core. */
const SATURATED_PCT = 90;
/** A cell is called noisy when the rest of the machine used more than this share of a core during its window. */
const NOISY_OTHER_PCT = 25;

const isNoisy = (c: CellResult): boolean => c.otherCpuPct !== null && c.otherCpuPct > NOISY_OTHER_PCT;
const simSaturated = (c: CellResult | undefined): boolean => c?.simCpuPct != null && c.simCpuPct >= SATURATED_PCT;

export const GOALS = {
  addedTtftMsAt256: 5,
  addedTtftMsAt1024: 50,
  itlMedianTolerance: 0.1,
  zeroLatencyShareOfRaw: 0.6,
} as const;

const MODE_TITLE: Record<SimMode, string> = {
  deterministic: "deterministic mode (injected TTFT 50 ms, ITL 10 ms)",
  zero: "zero-latency mode (injected TTFT 0, ITL 0: stream as fast as possible)",
};

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const k = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(0)}k` : x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
const signed = (x: number, digits = 1): string => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`;

/** Which side ran out of CPU in a cell: the client, the simulator, both, or neither ("-"). */
export function limitOf(c: CellResult): string {
  const client = c.clientCpuPct >= SATURATED_PCT;
  const sim = simSaturated(c);
  return client && sim ? "both" : client ? "client" : sim ? "sim" : "-";
}

/**
 * What the deterministic schedule asks for on average: each worker streams `chunksPerRecord` tokens per
 * TTFT + (n − 1)·ITL, back to back (a window of a few seconds can read a little above or below it).
 */
function scheduledTokensPerS(c: CellResult): number {
  const n = c.chunksPerRecord;
  return (c.spec.concurrency * n * 1000) / (c.spec.injectedTtftMs + (n - 1) * c.spec.injectedItlMs);
}

function errorsOf(c: CellResult): string {
  const parts = Object.entries(c.errors).map(([reason, n]) => `${reason} ${n}`);
  return (parts.length ? parts.join(", ") : "0") + (c.ranOut ? " RAN OUT" : "");
}

export function renderModeTable(mode: SimMode, cells: readonly CellResult[], color: boolean): string {
  const table = new Table({
    head: ["c", "client", "TTFT mean", "added", "TTFT p99", "ITL mean", "ITL p50", "ITL p99", "tok/s", "reads/s", "cli CPU", "µs/tok", "sim CPU", "other", "limit", "loop p99", "RSS Δ", "heap Δ", "reqs", "errors"],
    style: color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    colAligns: ["right", "left", ...Array<"right">(16).fill("right"), "right", "left"],
  });
  for (const c of cells.filter((x) => x.spec.mode === mode)) {
    table.push([
      String(c.spec.concurrency),
      c.spec.client,
      f1(c.ttftMs.mean),
      signed(c.ttftMs.mean - c.spec.injectedTtftMs),
      f1(c.ttftMs.p99),
      f2(c.itlMs.mean),
      f2(c.itlMs.median),
      f2(c.itlMs.p99),
      c.spec.injectedItlMs > 0 ? `${k(c.tokensPerS)} (${((c.tokensPerS / scheduledTokensPerS(c)) * 100).toFixed(0)}%)` : k(c.tokensPerS),
      k(c.readsPerS),
      `${c.clientCpuPct.toFixed(0)}%`,
      c.tokensPerS > 0 ? f2((c.clientCpuPct * 1e4) / c.tokensPerS) : "-",
      c.simCpuPct === null ? "n/a" : `${c.simCpuPct.toFixed(0)}%`,
      c.otherCpuPct === null ? "n/a" : `${Math.max(0, c.otherCpuPct).toFixed(0)}%${isNoisy(c) ? " !" : ""}`,
      limitOf(c),
      f1(c.loopDelayP99Ms),
      `${c.rssDeltaMb.toFixed(0)} MB`,
      `${c.heapDeltaMb.toFixed(1)} MB`,
      String(c.requestsInWindow),
      errorsOf(c),
    ]);
  }
  return `${MODE_TITLE[mode]}\n${table.toString()}`;
}

function find(cells: readonly CellResult[], client: ClientKind, mode: SimMode, c: number): CellResult | undefined {
  return cells.find((x) => x.spec.client === client && x.spec.mode === mode && x.spec.concurrency === c);
}

/** Memory held per request by the engine's RequestRecord, from the cell with the most records. */
export function renderMemory(cells: readonly CellResult[]): string {
  const engine = cells.filter((c) => c.spec.client === "engine").sort((a, b) => b.recordsTotal - a.recordsTotal)[0];
  if (!engine) return "";
  const perRecord = engine.bytesPerRecord;
  const chunks = engine.chunksPerRecord;
  return (
    `Memory: a RequestRecord with ${chunks.toFixed(0)} chunk timestamps holds ${perRecord.toFixed(0)} bytes of live heap ` +
    `(measured over ${engine.recordsTotal} records, engine, ${engine.spec.mode} c=${engine.spec.concurrency}): ` +
    `≈ ${((perRecord * 1e6) / 1024 ** 3).toFixed(2)} GiB per million requests of ${chunks.toFixed(0)} output tokens ` +
    `(the timestamps alone are ${(chunks * 8).toFixed(0)} bytes; ≈ ${(perRecord / chunks).toFixed(1)} bytes per output token).`
  );
}

interface Verdict {
  goal: string;
  pass: boolean | null;
  detail: string;
}

function addedTtftVerdict(cells: readonly CellResult[], c: number, limitMs: number): Verdict {
  const goal = `added TTFT < ${limitMs} ms at c=${c} (deterministic)`;
  const e = find(cells, "engine", "deterministic", c);
  if (!e) return { goal, pass: null, detail: "not measured (cell skipped)" };
  const r = find(cells, "raw", "deterministic", c);
  const added = e.ttftMs.mean - e.spec.injectedTtftMs;
  const rawAdded = r ? r.ttftMs.mean - r.spec.injectedTtftMs : null;
  const detail =
    `engine ${signed(added)} ms mean (p99 ${f1(e.ttftMs.p99)} ms), raw reader ${rawAdded === null ? "n/a" : `${signed(rawAdded)} ms`}` +
    `; client CPU ${e.clientCpuPct.toFixed(0)}%, sim CPU ${e.simCpuPct === null ? "n/a" : `${e.simCpuPct.toFixed(0)}%`}` +
    (rawAdded !== null && rawAdded >= limitMs
      ? ` — the raw reader misses too${simSaturated(e) ? " and the simulator saturates its core: not attributable to the engine on this machine" : ": the limit is not the engine alone"}`
      : "") +
    (isNoisy(e) || (r !== undefined && isNoisy(r)) ? " (noisy cell: other load on the machine)" : "");
  return { goal, pass: added < limitMs, detail };
}

function itlVerdict(cells: readonly CellResult[]): Verdict {
  const goal = `ITL median within ${GOALS.itlMedianTolerance * 100}% of injected 10 ms, every c (deterministic)`;
  const engine = cells.filter((c) => c.spec.client === "engine" && c.spec.mode === "deterministic");
  if (engine.length === 0) return { goal, pass: null, detail: "not measured" };
  const worst = engine.map((c) => ({ c, dev: Math.abs(c.itlMs.median - c.spec.injectedItlMs) / c.spec.injectedItlMs }));
  const detail = worst
    .map(({ c }) => {
      const raw = find(cells, "raw", "deterministic", c.spec.concurrency);
      const sim = simSaturated(c) ? ", sim saturated" : "";
      return `c=${c.spec.concurrency} ${f2(c.itlMs.median)} ms${raw ? ` (raw ${f2(raw.itlMs.median)}${sim})` : sim ? ` (${sim.slice(2)})` : ""}`;
    })
    .join(", ");
  return { goal, pass: worst.every((w) => w.dev <= GOALS.itlMedianTolerance), detail };
}

function throughputVerdict(cells: readonly CellResult[]): Verdict {
  const goal = `engine tok/s ≥ ${GOALS.zeroLatencyShareOfRaw * 100}% of the raw reader's (zero-latency), every c`;
  const pairs = cells
    .filter((c) => c.spec.client === "engine" && c.spec.mode === "zero")
    .map((e) => ({ e, r: find(cells, "raw", "zero", e.spec.concurrency) }))
    .filter((p): p is { e: CellResult; r: CellResult } => p.r !== undefined);
  if (pairs.length === 0) return { goal, pass: null, detail: "not measured" };
  const detail = pairs
    .map(({ e, r }) => {
      const share = e.tokensPerS / r.tokensPerS;
      // Tokens per client core-second: the engine's cost per token, which the ratio hides when the sim is the limit.
      const eff = e.tokensPerS / Math.max(e.clientCpuPct / 100, 1e-9) / (r.tokensPerS / Math.max(r.clientCpuPct / 100, 1e-9));
      return `c=${e.spec.concurrency} ${(share * 100).toFixed(0)}% (${k(e.tokensPerS)} vs ${k(r.tokensPerS)}; per client core-second ${(eff * 100).toFixed(0)}%)`;
    })
    .join(", ");
  return { goal, pass: pairs.every(({ e, r }) => e.tokensPerS >= GOALS.zeroLatencyShareOfRaw * r.tokensPerS), detail };
}

/** A warning when some cells ran while other processes used the machine, or "" when none did. */
export function renderNoise(cells: readonly CellResult[]): string {
  const noisy = cells.filter(isNoisy);
  if (noisy.length === 0) return "";
  const list = noisy.map((c) => `${c.spec.mode} c=${c.spec.concurrency} ${c.spec.client}`).join(", ");
  return (
    `Noise: ${noisy.length} of ${cells.length} cells ran while other processes used > ${NOISY_OTHER_PCT}% of a core (marked !: ${list}); ` +
    "their latencies and tok/s are pessimistic, the client's CPU cost per token is the more robust figure. Rerun on a quiet machine."
  );
}

export function renderGoals(cells: readonly CellResult[]): string {
  const verdicts = [
    addedTtftVerdict(cells, 256, GOALS.addedTtftMsAt256),
    addedTtftVerdict(cells, 1024, GOALS.addedTtftMsAt1024),
    itlVerdict(cells),
    throughputVerdict(cells),
  ];
  const lines = verdicts.map((v) => `  ${v.pass === null ? "N/A " : v.pass ? "PASS" : "MISS"}  ${v.goal}\n        ${v.detail}`);
  return ["Against the goals (client and simulator share the machine's 2 cores):", ...lines].join("\n");
}

export const LEGEND = [
  "Columns: TTFT/ITL in ms as the client measured them (vLLM definitions, summarizeStep over requests sent in the window);",
  "added = TTFT mean − injected; tok/s = token-bearing SSE chunks received per s (1 token each, so also SSE chunks/s),",
  "in deterministic mode with the share of what the schedule asks (c × 128 tokens per 1,320 ms); reads/s = network reads",
  "carrying ≥ 1 token; cli CPU = process.cpuUsage() of the client process, µs/tok = that CPU time per token received;",
  "sim CPU = /proc/<pid>/stat of the simulator; other = the rest of the machine (other processes, loopback softirq);",
  "CPU figures are % of one core over the window; limit = the side at ≥ 90% of its core; loop p99 = client event-loop",
  "delay; RSS Δ = end − start of the run; heap Δ = live heap after full GC with the records held (client closed) − before.",
].join("\n");
