/**
 * `npm run bench:engine`: the native load engine's own overhead (DESIGN.md §9), beside a minimal raw-socket
 * SSE reader (raw-sse-reader.ts) that shows the ceiling of any Node client on this machine.
 *
 * Cells: client (engine | raw) × simulator mode (deterministic TTFT 50 ms / ITL 10 ms | zero-latency) ×
 * concurrency (1, 32, 256, 1024). Each cell gets a fresh `kneepoint sim` child process and a fresh client
 * process (engine-cell.ts), pinned with taskset to different cores (client on CPU 0, simulator on CPU 1)
 * when the machine has two and taskset exists. A cell is a closed loop: an unmeasured warmup, then a measured
 * window; 16-token prompts, 128 output tokens, ignore_eos, include_usage. On a shared machine each cell first
 * waits (≤ 15 s) for other processes to go quiet, and cells that still ran beside other load are measured once
 * more while the run is under 150 s. A measurement, not a test: it exits 0 whether goals pass or not (2 on a
 * bad flag, 1 when the benchmark itself could not run).
 *
 *   npm run bench:engine [-- --quick]       (--quick: c = 256 and 1,024 only, 60% windows; ~1 minute)
 *                        [--mode deterministic|zero] [--concurrency 256,1024] [--client engine|raw]
 *                        [--cpu-prof DIR]   (writes a V8 CPU profile of every engine cell into DIR)
 *                        [--json FILE]      (also writes every cell's result)
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { startSimProcess, type SimProcess } from "../src/cli/start-sim-process.ts";
import { readTargetInfo } from "../src/engine/target-info.ts";
import { createServerTokenizer } from "../src/tokenizer/server-tokenizer.ts";
import { buildPrompts } from "../src/workload/prompts.ts";
import { buildRequestBody } from "../src/workload/request-body.ts";
import { RESULT_MARKER, readMachineBusyTicks, type CellResult, type CellSpec, type ClientKind, type SimMode } from "./engine-cell-spec.ts";
import { LEGEND, renderGoals, renderMemory, renderModeTable, renderNoise } from "./engine-report.ts";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CELL_FILE = fileURLToPath(new URL("./engine-cell.ts", import.meta.url));
const ENDPOINT = "/v1/completions";
const INPUT_TOKENS = 16;
const OUTPUT_TOKENS = 128;
const CLIENT_CPU = 0;
const SIM_CPU = 1;

const MODES: Record<SimMode, { ttftMs: number; itlMs: number; warmupMs: number; windowMs: number }> = {
  // One request lasts 50 + 127 × 10 = 1,320 ms: the warmup spans the first wave, the window about four more.
  deterministic: { ttftMs: 50, itlMs: 10, warmupMs: 1500, windowMs: 5000 },
  zero: { ttftMs: 0, itlMs: 0, warmupMs: 1000, windowMs: 3000 },
};

interface Flags {
  modes: SimMode[];
  concurrencies: number[];
  clients: ClientKind[];
  windowScale: number;
  cpuProfDir: string | null;
  jsonFile: string | null;
}

function parseFlags(argv: string[]): Flags {
  // node:util's parser: unknown flags and missing values are errors that name the flag.
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: "boolean", default: false },
      mode: { type: "string", default: "deterministic,zero" },
      concurrency: { type: "string" },
      client: { type: "string", default: "engine,raw" },
      "cpu-prof": { type: "string" },
      json: { type: "string" },
    },
  });
  const flags: Flags = {
    modes: v.mode.split(",") as SimMode[],
    concurrencies: (v.concurrency ?? (v.quick ? "256,1024" : "1,32,256,1024")).split(",").map(Number),
    clients: v.client.split(",") as ClientKind[],
    windowScale: v.quick ? 0.6 : 1,
    cpuProfDir: v["cpu-prof"] ?? null,
    jsonFile: v.json ?? null,
  };
  if (!flags.modes.every((m) => m in MODES)) throw new Error("--mode takes deterministic, zero or both");
  if (!flags.concurrencies.every((c) => Number.isInteger(c) && c > 0)) throw new Error("--concurrency takes positive integers");
  if (!flags.clients.every((c) => c === "engine" || c === "raw")) throw new Error("--client takes engine, raw or both");
  return flags;
}

const canPin = availableParallelism() >= 2 && spawnSync("taskset", ["--version"]).status === 0;
const clockTicksPerS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim() || 100);

/** Other processes may use at most this share of a core before a cell starts (and after its window: see report). */
const QUIET_PCT = 25;
const QUIET_WAIT_MS = 15_000;
/** Re-measure noisy cells once while the whole run is younger than this. */
const RETRY_BUDGET_MS = 150_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits (at most QUIET_WAIT_MS) until the machine is quiet: busy < QUIET_PCT of one core over 500 ms, with no
 * simulator or client of ours running. Returns the last reading (% of one core), null without /proc.
 */
async function waitForQuiet(): Promise<number | null> {
  const deadline = performance.now() + QUIET_WAIT_MS;
  for (;;) {
    const before = readMachineBusyTicks();
    await sleep(500);
    const after = readMachineBusyTicks();
    if (before === null || after === null) return null;
    const pct = ((after - before) / clockTicksPerS) * 100 * 2; // ticks over 0.5 s → % of one core
    if (pct < QUIET_PCT || performance.now() > deadline) return pct;
  }
}

async function startPinnedSim(mode: SimMode): Promise<SimProcess> {
  const m = MODES[mode];
  const sim = await startSimProcess(["--ttft-ms", String(m.ttftMs), "--itl-ms", String(m.itlMs)]);
  // -a: every thread of the process (libuv pool, V8 GC helpers), not only the main one.
  if (canPin && sim.child.pid !== undefined) spawnSync("taskset", ["-a", "-p", "-c", String(SIM_CPU), String(sim.child.pid)]);
  return sim;
}

function runCellProcess(spec: CellSpec, cpuProfDir: string | null): Promise<CellResult> {
  const nodeArgs = ["--expose-gc", "--import", "tsx"];
  if (cpuProfDir && spec.client === "engine") nodeArgs.push("--cpu-prof", "--cpu-prof-dir", cpuProfDir, "--cpu-prof-name", `engine-${spec.mode}-c${spec.concurrency}.cpuprofile`);
  const cmd = [process.execPath, ...nodeArgs, CELL_FILE, JSON.stringify(spec)];
  const child = canPin ? spawn("taskset", ["-c", String(CLIENT_CPU), ...cmd], { cwd: ROOT }) : spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as CellResult);
      else reject(new Error(`cell ${spec.client} ${spec.mode} c=${spec.concurrency} exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

/** The one request body every cell sends: a 16-token prompt (exact, through the simulator's /tokenize). */
async function prepareBody(): Promise<{ body: string; promptTokens: number; model: string }> {
  const sim = await startSimProcess(["--ttft-ms", "0", "--itl-ms", "0"]);
  try {
    const { model } = await readTargetInfo(sim.url, {}, undefined);
    const tokenizer = createServerTokenizer({ baseUrl: sim.url, model, headers: {} });
    const set = await buildPrompts(tokenizer, { count: 1, inputLen: INPUT_TOKENS, seed: 42 });
    const prompt = set.prompts[0]!;
    const body = buildRequestBody(prompt.text, { apiKind: "completion", model, outputLen: OUTPUT_TOKENS, ignoreEos: true });
    return { body, promptTokens: prompt.expectedPromptTokens, model };
  } finally {
    await sim.stop();
  }
}

function maxRequestsFor(mode: SimMode, concurrency: number, totalMs: number): number {
  if (mode === "zero") return Math.max(concurrency * 8, 200_000);
  const requestMs = MODES.deterministic.ttftMs + (OUTPUT_TOKENS - 1) * MODES.deterministic.itlMs;
  return concurrency * (Math.ceil(totalMs / requestMs) + 2);
}

async function main(flags: Flags): Promise<void> {
  const started = performance.now();
  const { body, promptTokens, model } = await prepareBody();
  const pinning = canPin ? `client on CPU ${CLIENT_CPU}, simulator on CPU ${SIM_CPU} (taskset)` : "not pinned (taskset or a second CPU missing)";
  process.stdout.write(
    `kneepoint engine benchmark: node ${process.versions.node}, ${availableParallelism()} CPUs, ${pinning}\n` +
      `request: ${ENDPOINT}, model ${model}, ${promptTokens}-token prompt, ${OUTPUT_TOKENS} output tokens, ignore_eos, include_usage; ` +
      `fresh simulator + fresh client process per cell\n\n`,
  );

  const measure = async (client: ClientKind, mode: SimMode, concurrency: number): Promise<CellResult> => {
    const m = MODES[mode];
    const warmupMs = Math.round(m.warmupMs * (mode === "deterministic" ? 1 : flags.windowScale));
    const windowMs = Math.round(m.windowMs * flags.windowScale);
    const busyPct = await waitForQuiet();
    const sim = await startPinnedSim(mode);
    try {
      const spec: CellSpec = {
        client,
        mode,
        concurrency,
        injectedTtftMs: m.ttftMs,
        injectedItlMs: m.itlMs,
        baseUrl: sim.url,
        endpoint: ENDPOINT,
        body,
        plannedPromptTokens: promptTokens,
        warmupMs,
        windowMs,
        maxRequests: maxRequestsFor(mode, concurrency, warmupMs + windowMs),
        simPid: sim.child.pid ?? null,
        clockTicksPerS,
      };
      const busy = busyPct !== null && busyPct >= QUIET_PCT ? ` (machine busy: ${busyPct.toFixed(0)}% of a core)` : "";
      process.stderr.write(`  ${mode} c=${concurrency} ${client}${busy} …`);
      const result = await runCellProcess(spec, flags.cpuProfDir);
      const other = result.otherCpuPct === null ? "" : `, other load ${Math.max(0, result.otherCpuPct).toFixed(0)}%`;
      process.stderr.write(` ${Math.round(result.tokensPerS)} tok/s, TTFT ${result.ttftMs.mean.toFixed(1)} ms${other}\n`);
      return result;
    } finally {
      await sim.stop();
    }
  };

  const cells: CellResult[] = [];
  for (const mode of flags.modes) {
    for (const concurrency of flags.concurrencies) {
      for (const client of flags.clients) cells.push(await measure(client, mode, concurrency));
    }
  }
  // Other processes on a shared machine distort a cell; measure such cells once more and keep the quieter run.
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.otherCpuPct === null || c.otherCpuPct <= QUIET_PCT || performance.now() - started > RETRY_BUDGET_MS) continue;
    process.stderr.write("  again:");
    const again = await measure(c.spec.client, c.spec.mode, c.spec.concurrency);
    if ((again.otherCpuPct ?? Infinity) < c.otherCpuPct) cells[i] = again;
  }

  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const out = [
    ...flags.modes.map((mode) => renderModeTable(mode, cells, color)),
    LEGEND,
    renderNoise(cells),
    renderMemory(cells),
    renderGoals(cells),
    `(${((performance.now() - started) / 1000).toFixed(0)} s in all)`,
  ];
  process.stdout.write(out.filter(Boolean).join("\n\n") + "\n");
  if (flags.jsonFile) writeFileSync(flags.jsonFile, JSON.stringify(cells, null, 2) + "\n");
}

let flags: Flags | null = null;
try {
  flags = parseFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`engine benchmark: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
if (flags) {
  await main(flags).catch((err: unknown) => {
    process.stderr.write(`\nengine benchmark failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
