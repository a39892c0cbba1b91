/**
 * Sharded open-loop load on one machine (issue 13, item 4): one constant (or poisson) stage at R req/s sent by
 * N shard processes (shard-rate-cell.ts: split-stages.ts gives shard i rate ≈ R/N with its own seeded arrivals
 * and every N-th request; run-load.ts, the one dispatcher and the native stream client send it), all starting at
 * one shared wall-clock time, against `kneepoint sim` in its zero-latency mode (TTFT = ITL = 0: the server adds
 * no wait, so the figures are the clients' and the simulator's CPU). Each shard reports its counts, its send
 * window (epoch ms), its schedule delays (send − scheduled) as a mergeable Samples and its own CPU time; this
 * process merges them. For contrast, the same stage is sent by one process (the same cell with N = 1).
 * Each process caps its requests in flight (--max-in-flight, 512 by default, sockets as many; the dispatcher's
 * cap, num_workers × worker_max_concurrency in a scenario): a due request that finds the cap full waits, and its
 * lateness counts as schedule delay. Unbounded (0, `kneepoint run`'s default), a stall of the target makes the
 * client open one socket per pending request, and the pile-up feeds itself (seen here at 4,000 req/s beside other
 * load: ~40,000 requests in flight, connection errors and timeouts, the simulator near idle — presumably file
 * descriptors (ulimit -n 20,000) and ephemeral ports (28,000) running out; the messages were not kept then).
 * One simulator process per rate serves both runs. Before each run the machine is given ≤ 3 s to go quiet.
 *
 * Pinning (--pin auto, with taskset): with at least N + 1 CPUs the simulator gets CPU 0 and shard i CPU i + 1
 * (the single process CPU 1); with fewer, the simulator gets the last CPU and every client process shares the
 * others — on 2 CPUs, all N shards share CPU 0, so the sharded rows show what splitting costs and that the merge
 * adds up, not extra client capacity. --pin none leaves placement to the kernel.
 * A measurement, not a test: exits 0 whatever the figures, 1 when it could not run, 2 on a bad flag.
 *
 *   npx tsx bench/shard-rate-bench.ts [--rates 1000,2000,4000] [--shards 4] [--duration 10]
 *        [--kind constant|poisson] [--output-tokens 8] [--max-in-flight 512] [--pin auto|none] [--json FILE]
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startSimProcess } from "../src/cli/start-sim-process.ts";
import { Samples } from "../src/metrics/samples.ts";
import { readMachineBusyTicks, readProcCpuTicks } from "./engine-cell-spec.ts";
import { READY_MARKER, RESULT_MARKER, type CellResult, type CellSpec } from "./shard-rate-cell.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CELL_FILE = fileURLToPath(new URL("./shard-rate-cell.ts", import.meta.url));
const SEED = 42;
const WARMUP_REQUESTS = 200;
/** A zero-latency answer takes well under a millisecond: 5 s means the target stalled. */
const REQUEST_TIMEOUT_MS = 5_000;
/** A stage still running this long after its planned end is cut (in-flight requests cancelled, status timed_out). */
const STAGE_GRACE_S = 10;
/** Time between the last shard's READY and the shared start, for the start line to reach every shard. */
const START_LEAD_MS = 300;
const QUIET_PCT = 25;
const QUIET_WAIT_MS = 3_000;

const USAGE = `usage: npx tsx bench/shard-rate-bench.ts [--rates 1000,2000,4000] [--shards 4] [--duration 10]
         [--kind constant|poisson] [--output-tokens 8] [--max-in-flight 512] [--pin auto|none] [--json FILE]
Sends one open-loop stage per rate from N shard processes with a shared start, and from one process, against the
zero-latency simulator; prints the aggregate rate, merged and per-shard schedule delay, client and simulator CPU.`;

interface Flags {
  rates: number[];
  shards: number;
  durationS: number;
  kind: "constant" | "poisson";
  outputTokens: number;
  pin: "auto" | "none";
  maxInFlight: number;
  jsonFile: string | null;
}

function parseFlags(argv: string[]): Flags | "help" {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rates: { type: "string", default: "1000,2000,4000" },
      shards: { type: "string", default: "4" },
      duration: { type: "string", default: "10" },
      kind: { type: "string", default: "constant" },
      "output-tokens": { type: "string", default: "8" },
      pin: { type: "string", default: "auto" },
      "max-in-flight": { type: "string", default: "512" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return "help";
  const f: Flags = {
    rates: v.rates.split(",").map(Number),
    shards: Number(v.shards),
    durationS: Number(v.duration),
    kind: v.kind as Flags["kind"],
    outputTokens: Number(v["output-tokens"]),
    pin: v.pin as Flags["pin"],
    maxInFlight: Number(v["max-in-flight"]),
    jsonFile: v.json ?? null,
  };
  if (!f.rates.every((r) => r > 0)) throw new Error(`--rates takes positive numbers, got '${v.rates}'`);
  if (!(Number.isInteger(f.shards) && f.shards >= 2 && f.shards <= 64)) throw new Error(`--shards takes an integer from 2 to 64, got '${v.shards}'`);
  if (!(f.durationS > 0)) throw new Error(`--duration takes a positive number of seconds, got '${v.duration}'`);
  if (!(Number.isInteger(f.outputTokens) && f.outputTokens >= 1)) throw new Error(`--output-tokens takes a positive integer, got '${v["output-tokens"]}'`);
  if (f.kind !== "constant" && f.kind !== "poisson") throw new Error(`--kind takes constant or poisson, got '${v.kind}'`);
  if (!(Number.isInteger(f.maxInFlight) && f.maxInFlight >= 0)) throw new Error(`--max-in-flight takes an integer ≥ 0 (0: unbounded), got '${v["max-in-flight"]}'`);
  if (f.pin !== "auto" && f.pin !== "none") throw new Error(`--pin takes auto or none, got '${v.pin}'`);
  return f;
}

const cpus = availableParallelism();
const canPin = cpus >= 2 && spawnSync("taskset", ["--version"]).status === 0;
const clockTicksPerS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim() || 100);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Placement {
  sim: string | null;
  /** CPU list of shard i of n (n = 1: the single process). */
  client(i: number, n: number): string | null;
  describe: string;
}

function placement(pin: Flags["pin"], shards: number): Placement {
  if (pin === "none" || !canPin) return { sim: null, client: () => null, describe: canPin ? "not pinned (--pin none)" : "not pinned (one CPU or no taskset)" };
  if (cpus >= shards + 1) {
    return { sim: "0", client: (i) => String(i + 1), describe: `taskset: simulator on CPU 0, shard i on CPU i+1, the single process on CPU 1` };
  }
  const clients = cpus === 2 ? "0" : `0-${cpus - 2}`;
  return {
    sim: String(cpus - 1),
    client: () => clients,
    describe: `taskset: simulator on CPU ${cpus - 1}; every client process on CPU ${clients} (the ${shards} shards share it, as the single process has it alone)`,
  };
}

/** Waits ≤ QUIET_WAIT_MS for the machine to use < QUIET_PCT of a core; returns the last reading (% of one core). */
async function waitForQuiet(): Promise<number | null> {
  const deadline = performance.now() + QUIET_WAIT_MS;
  for (;;) {
    const before = readMachineBusyTicks();
    await sleep(500);
    const after = readMachineBusyTicks();
    if (before === null || after === null) return null;
    const pct = ((after - before) / clockTicksPerS) * 200;
    if (pct < QUIET_PCT || performance.now() > deadline) return pct;
  }
}

interface CellProcess {
  ready: Promise<void>;
  result: Promise<CellResult>;
  start(epochMs: number): void;
  /** Ends the cell (when another one failed, so none waits for a start that never comes). */
  kill(): void;
}

function startCell(spec: CellSpec, cpuList: string | null): CellProcess {
  const cmd = [process.execPath, "--import", "tsx", CELL_FILE, JSON.stringify(spec)];
  const child = cpuList === null ? spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT }) : spawn("taskset", ["-c", cpuList, ...cmd], { cwd: ROOT });
  const name = `shard ${spec.shard.index}/${spec.shard.count}`;
  let out = "";
  let err = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes(`${READY_MARKER}\n`)) onReady();
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  child.stdin.on("error", () => {}); // a cell that died already: its exit code tells
  const result = new Promise<CellResult>((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`${name}: could not start: ${e.message}`)));
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as CellResult);
      else reject(new Error(`${name} exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ") || "no output"}`));
    });
  });
  // A cell that dies before READY must not leave the others waiting.
  return {
    ready: Promise.race([ready, result.then(() => undefined)]),
    result,
    start: (epochMs) => child.stdin.end(`${epochMs}\n`),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

interface RunFigures {
  label: string;
  shards: CellResult[];
  simCpuPct: number | null;
  machineBusyPct: number | null;
  quietBeforePct: number | null;
}

/** One run: n cell processes, a shared start, the simulator's and the machine's CPU over [start, last result]. */
async function runShards(rateRps: number, n: number, flags: Flags, sim: { url: string; pid: number | null; model: string }, place: Placement): Promise<RunFigures> {
  const quietBeforePct = await waitForQuiet();
  const cells = Array.from({ length: n }, (_, i) =>
    startCell(
      {
        baseUrl: sim.url,
        model: sim.model,
        outputTokens: flags.outputTokens,
        shard: { index: i, count: n },
        plan: { kind: flags.kind, rate: rateRps, durationS: flags.durationS },
        seed: SEED,
        warmupRequests: WARMUP_REQUESTS,
        maxInFlight: flags.maxInFlight,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        stageTimeoutS: flags.durationS + STAGE_GRACE_S,
      },
      place.client(i, n),
    ),
  );
  const all = Promise.all(cells.map((c) => c.result));
  all.catch(() => cells.forEach((c) => c.kill()));
  await Promise.race([Promise.all(cells.map((c) => c.ready)), all]);
  const startAt = Date.now() + START_LEAD_MS;
  for (const c of cells) c.start(startAt);
  await sleep(Math.max(0, startAt - Date.now()));
  const sim0 = sim.pid === null ? null : readProcCpuTicks(sim.pid);
  const busy0 = readMachineBusyTicks();
  const shards = await all;
  const wallS = (Date.now() - startAt) / 1000;
  const sim1 = sim.pid === null ? null : readProcCpuTicks(sim.pid);
  const busy1 = readMachineBusyTicks();
  return {
    label: n === 1 ? "1 process" : `${n} shards`,
    shards,
    simCpuPct: sim0 === null || sim1 === null ? null : ((sim1 - sim0) / clockTicksPerS / wallS) * 100,
    machineBusyPct: busy0 === null || busy1 === null ? null : ((busy1 - busy0) / clockTicksPerS / wallS / cpus) * 100,
    quietBeforePct,
  };
}

interface Row {
  rateRps: number;
  run: string;
  targetRps: number;
  achievedRps: number | null;
  sent: number;
  completed: number;
  failed: number;
  unsent: number;
  errors: Record<string, number>;
  errorExamples: Record<string, string>;
  /** Shards whose stage was cut by the stage timeout. */
  timedOut: number;
  delayMs: { p50: number; p99: number; max: number };
  clientCpuPct: number;
  simCpuPct: number | null;
  machineBusyPct: number | null;
  peakInFlight: number;
  /** Origin − shared start (one shard), or latest − earliest origin (merged), ms. */
  startMs: number;
}

/** Merged (or one shard's) figures: achieved = completed / (last send − first send) over the shards given. */
function row(rateRps: number, run: string, targetRps: number, parts: CellResult[], extra: Pick<Row, "simCpuPct" | "machineBusyPct">): Row {
  const delays = new Samples();
  for (const p of parts) delays.merge(Samples.fromJSON(p.scheduleDelayMs, `${run} shard ${p.shard.index}`));
  const d = delays.describe([50, 99]);
  const sum = (f: (p: CellResult) => number) => parts.reduce((a, p) => a + f(p), 0);
  const windowMs = Math.max(...parts.map((p) => p.lastSendEpochMs)) - Math.min(...parts.map((p) => p.firstSendEpochMs));
  const errors: Record<string, number> = {};
  const errorExamples: Record<string, string> = {};
  for (const p of parts) for (const [k, c] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + c;
  for (const p of parts) for (const [k, m] of Object.entries(p.errorExamples)) errorExamples[k] ??= m;
  const origins = parts.map((p) => p.originEpochMs);
  return {
    rateRps,
    run,
    targetRps,
    achievedRps: windowMs > 0 ? sum((p) => p.completed) / (windowMs / 1000) : null,
    sent: sum((p) => p.sent),
    completed: sum((p) => p.completed),
    failed: sum((p) => p.failed),
    unsent: sum((p) => p.unsent),
    errors,
    errorExamples,
    timedOut: parts.filter((p) => p.status === "timed_out").length,
    delayMs: { p50: d.percentiles.get(50)!, p99: d.percentiles.get(99)!, max: d.max },
    clientCpuPct: sum((p) => ((p.cpuUserMs + p.cpuSystemMs) / p.wallMs) * 100),
    peakInFlight: sum((p) => p.peakInFlight),
    startMs: parts.length === 1 ? parts[0]!.originEpochMs - parts[0]!.startAtEpochMs : Math.max(...origins) - Math.min(...origins),
    ...extra,
  };
}

function rowsOf(rateRps: number, fig: RunFigures): Row[] {
  const merged = row(rateRps, fig.shards.length === 1 ? fig.label : `${fig.label} merged`, rateRps, fig.shards, { simCpuPct: fig.simCpuPct, machineBusyPct: fig.machineBusyPct });
  if (fig.shards.length === 1) return [merged];
  const each = fig.shards.map((s) => row(rateRps, `shard ${s.shard.index}/${s.shard.count}`, s.shardRateRps, [s], { simCpuPct: null, machineBusyPct: null }));
  return [merged, ...each];
}

function printTable(rows: Row[]): void {
  const header = ["rate", "run", "target req/s", "achieved req/s", "sent", "failed", "delay p50 ms", "p99 ms", "max ms", "client CPU", "sim CPU", "machine busy", "peak in flight", "start ms"];
  const f = (x: number | null, d: number) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));
  const pct = (x: number | null) => (x === null ? "–" : `${f(x, 0)} %`);
  const lines = rows.map((r) => [
    String(r.rateRps),
    r.run.startsWith("shard") ? `  ${r.run}` : r.run,
    f(r.targetRps, 1),
    f(r.achievedRps, 1),
    String(r.sent) + (r.unsent ? ` (+${r.unsent} unsent)` : ""),
    String(r.failed),
    f(r.delayMs.p50, 3),
    f(r.delayMs.p99, 3),
    f(r.delayMs.max, 2),
    pct(r.clientCpuPct),
    pct(r.simCpuPct),
    pct(r.machineBusyPct),
    String(r.peakInFlight),
    f(r.startMs, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => "| " + cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") + " |";
  console.log(fmt(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const l of lines) console.log(fmt(l));
}

const LEGEND = [
  "achieved = completed / (last send − first send) over the run's shards (epoch ms); delay = send − scheduled (absolute due time), merged from the shards' Samples;",
  "client CPU = process.cpuUsage() over each process's stage, % of one core (merged: the sum); sim CPU = the simulator's utime + stime (/proc) and machine busy = all CPUs' busy time",
  `(% of all ${cpus}), both over [shared start, last shard done]; peak in flight = most requests open at once (summed over shards); start = latest − earliest shard origin (merged) or origin − shared start.`,
].join("\n");

async function main(flags: Flags): Promise<void> {
  const started = performance.now();
  const place = placement(flags.pin, flags.shards);
  const load0 = loadavg();
  console.log(
    `kneepoint sharded rate benchmark: ${flags.kind} stages of ${flags.durationS} s at ${flags.rates.join(", ")} req/s, ${flags.shards} shards vs 1 process; ` +
      `zero-latency simulator, 16-token prompts, ${flags.outputTokens} streamed output tokens, ` +
      `in-flight cap ${flags.maxInFlight || "none"} per process, request timeout ${REQUEST_TIMEOUT_MS / 1000} s; node ${process.versions.node}, ${cpus} CPUs`,
  );
  console.log(`${place.describe}; load average at start ${load0.map((l) => l.toFixed(2)).join(" ")}`);
  const rows: Row[] = [];
  const quiet: Array<{ rateRps: number; run: string; busyPctOfCore: number | null }> = [];
  for (const rateRps of flags.rates) {
    const sim = await startSimProcess(["--ttft-ms", "0", "--itl-ms", "0"]);
    try {
      const pid = sim.child.pid ?? null;
      if (place.sim !== null && pid !== null) spawnSync("taskset", ["-a", "-p", "-c", place.sim, String(pid)], { stdio: "ignore" });
      const model = ((await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data[0]!.id;
      for (const n of [flags.shards, 1]) {
        process.stderr.write(`  ${rateRps} req/s, ${n === 1 ? "1 process" : `${n} shards`} …`);
        const fig = await runShards(rateRps, n, flags, { url: sim.url, pid, model }, place);
        const r = rowsOf(rateRps, fig);
        rows.push(...r);
        quiet.push({ rateRps, run: fig.label, busyPctOfCore: fig.quietBeforePct });
        const noisy = fig.quietBeforePct !== null && fig.quietBeforePct >= QUIET_PCT ? ` (machine busy before: ${fig.quietBeforePct.toFixed(0)} % of a core)` : "";
        process.stderr.write(` ${r[0]!.achievedRps?.toFixed(0) ?? "–"} req/s, delay p99 ${r[0]!.delayMs.p99.toFixed(2)} ms${noisy}\n`);
      }
    } finally {
      await sim.stop();
    }
  }
  printTable(rows);
  console.log(LEGEND);
  const load1 = loadavg();
  console.log(`load average at end ${load1.map((l) => l.toFixed(2)).join(" ")}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  for (const r of rows) {
    if (r.run.startsWith("shard")) continue;
    if (r.failed > 0) console.log(`failures: ${r.rateRps} req/s ${r.run}: ${JSON.stringify(r.errors)}, e.g. ${JSON.stringify(r.errorExamples)}`);
    if (r.timedOut > 0) console.log(`cut: ${r.rateRps} req/s ${r.run}: ${r.timedOut} stage(s) ran ${STAGE_GRACE_S} s past their end and were cut (in-flight requests cancelled)`);
  }
  if (flags.jsonFile) {
    writeFileSync(flags.jsonFile, JSON.stringify({ flags, pinning: place.describe, cpus, loadAverage: { start: load0, end: load1 }, quietBefore: quiet, rows }, null, 2) + "\n");
  }
}

let flags: Flags | "help" | null = null;
try {
  flags = parseFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`shard rate benchmark: ${(err as Error).message}\n${USAGE}\n`);
  process.exitCode = 2;
}
if (flags === "help") console.log(USAGE);
else if (flags) {
  await main(flags).catch((err: unknown) => {
    process.stderr.write(`\nshard rate benchmark could not run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
