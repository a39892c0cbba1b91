/**
 * What the engine benchmark's orchestrator (engine-bench.ts) hands to one cell process (engine-cell.ts) and
 * what it gets back: one (client, mode, concurrency) measurement. Plus the one /proc reader both sides use.
 */
import { readFileSync } from "node:fs";

export type ClientKind = "engine" | "raw";
export type SimMode = "deterministic" | "zero";

export interface CellSpec {
  client: ClientKind;
  mode: SimMode;
  concurrency: number;
  injectedTtftMs: number;
  injectedItlMs: number;
  baseUrl: string;
  endpoint: string;
  body: string;
  plannedPromptTokens: number;
  /** Unmeasured closed-loop time before the window opens (connections opened, JIT warm). */
  warmupMs: number;
  /** The measured window; dispatching stops at its end and in-flight requests finish. */
  windowMs: number;
  /** Upper bound on requests prepared for the cell (the loop must not run out before the window ends). */
  maxRequests: number;
  /** The simulator's pid, to sample its CPU over the window; null when /proc is not readable. */
  simPid: number | null;
  clockTicksPerS: number;
}

export interface LatencyFigures {
  mean: number;
  median: number;
  p99: number;
}

export interface CellResult {
  spec: Omit<CellSpec, "body">;
  /** Measured window, ms (timer-accurate, from the timestamps actually taken). */
  windowMs: number;
  /** Requests sent inside the window (their latencies are the ones summarized). */
  requestsInWindow: number;
  failedInWindow: number;
  errors: Record<string, number>;
  recordsTotal: number;
  /** True when the prepared requests ran out before the window closed (the cell is then invalid). */
  ranOut: boolean;
  ttftMs: LatencyFigures;
  itlMs: LatencyFigures;
  /** Token-bearing SSE events (one token each) whose receive time falls inside the window, per second. */
  tokensPerS: number;
  /** Network reads that delivered ≥ 1 token-bearing event, per second (tokens/read shows coalescing). */
  readsPerS: number;
  /** process.cpuUsage() of the client over the window, % of one core. */
  clientCpuPct: number;
  /** utime + stime of the simulator process over the window, % of one core (null without /proc). */
  simCpuPct: number | null;
  /**
   * CPU used on the machine by anything but the client and the simulator over the window, % of one core
   * (other processes, the kernel's softirq work for loopback TCP; ±2% from tick granularity). High values mean
   * a noisy cell. null without /proc.
   */
  otherCpuPct: number | null;
  /** Event-loop delay of the client over the window (perf_hooks, 10 ms resolution), ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  rssStartMb: number;
  /** RSS at the end of the run minus at its start (before any GC). */
  rssDeltaMb: number;
  /** Live heap after a full GC with all records still held, minus the live heap before the run. */
  heapDeltaMb: number;
  /** Live heap freed by dropping the records after the run, per record (full GCs around it). */
  bytesPerRecord: number;
  /** Mean chunk timestamps held per record (128 output tokens → 128). */
  chunksPerRecord: number;
}

/** utime + stime of a process in clock ticks, from /proc/<pid>/stat (fields 14 and 15), or null. */
export function readProcCpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Busy clock ticks of the whole machine (all CPUs: everything but idle and iowait), from /proc/stat, or null. */
export function readMachineBusyTicks(): number | null {
  try {
    const cpu = readFileSync("/proc/stat", "latin1").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    return total - cpu[3]! - cpu[4]!;
  } catch {
    return null;
  }
}

export const RESULT_MARKER = "ENGINE_CELL_RESULT ";
