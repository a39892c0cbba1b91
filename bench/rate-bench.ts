/**
 * Open-loop rate accuracy of the scenario load engine (issue 6, DESIGN.md §9): constant stages at 100, 500 and
 * 1,000 req/s against `kneepoint sim` in its zero-latency mode (TTFT = ITL = 0, so the server adds nothing and
 * the figures are the client's), through the product's own runner (src/scenarios/load/run-stages.ts).
 * Per rate: requested vs achieved rate (inference-perf's count / (max send − min send)), schedule delay
 * (send − scheduled) p50/p90/p99/max, errors, the stage's warnings, and CPU of the client, the simulator and
 * everything else on the machine. The simulator is pinned to CPU 1 and this process to CPU 0 with taskset when
 * the machine has two cores. A measurement, not a test: it exits 0 whatever the figures are.
 *
 *   npx tsx bench/rate-bench.ts [--rates 100,500,1000] [--seconds 5] [--kind constant|poisson]
 *                               [--output-tokens 8] [--max-in-flight 0] [--json FILE]
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { startSimProcess } from "../src/cli/start-sim-process.ts";
import { describe } from "../src/metrics/stats.ts";
import type { RequestSource, StagePlan, StageRun } from "../src/scenarios/types.ts";
import { runStages } from "../src/scenarios/load/run-stages.ts";
import { summarizeStageLoad } from "../src/scenarios/load/stage-load-summary.ts";
import { stageWarnings } from "../src/scenarios/load/stage-warnings.ts";
import { readMachineBusyTicks, readProcCpuTicks } from "./engine-cell-spec.ts";
import { parseArgs } from "node:util";

interface Flags {
  rates: number[];
  seconds: number;
  kind: "constant" | "poisson";
  outputTokens: number;
  maxInFlight: number;
  jsonFile: string | null;
}

function parseFlags(argv: string[]): Flags {
  // node:util's parser: unknown flags and missing values are errors that name the flag.
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rates: { type: "string", default: "100,500,1000" },
      seconds: { type: "string", default: "5" },
      kind: { type: "string", default: "constant" },
      "output-tokens": { type: "string", default: "8" },
      "max-in-flight": { type: "string", default: "0" },
      json: { type: "string" },
    },
  });
  const f: Flags = {
    rates: v.rates.split(",").map(Number),
    seconds: Number(v.seconds),
    kind: v.kind as Flags["kind"],
    outputTokens: Number(v["output-tokens"]),
    maxInFlight: Number(v["max-in-flight"]),
    jsonFile: v.json ?? null,
  };
  if (!f.rates.every((r) => r > 0) || !(f.seconds > 0) || !(f.outputTokens >= 1)) throw new Error("--rates, --seconds and --output-tokens take positive numbers");
  if (f.kind !== "constant" && f.kind !== "poisson") throw new Error("--kind takes constant or poisson");
  return f;
}

const CLIENT_CPU = 0;
const SIM_CPU = 1;
const WARMUP = { kind: "constant", rate: 100, durationS: 1 } as const satisfies StagePlan;
const canPin = availableParallelism() >= 2 && spawnSync("taskset", ["--version"]).status === 0;
const clockTicksPerS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim() || 100);

interface Row {
  requestedRps: number;
  achievedRps: number | null;
  sent: number;
  unsent: number;
  errors: number;
  delayMs: { p50: number; p90: number; p99: number; max: number };
  clientCpuPct: number;
  simCpuPct: number | null;
  otherCpuPct: number | null;
  warnings: string[];
}

function row(run: StageRun, cpu: { clientS: number; simS: number | null; machineS: number | null; wallS: number }): Row {
  const load = summarizeStageLoad(run);
  const d = describe(load.scheduleDelaysMs, [50, 90, 99, 100]);
  const pct = (s: number) => (100 * s) / cpu.wallS;
  return {
    requestedRps: load.requestedRateRps ?? NaN,
    achievedRps: load.achievedRateRps,
    sent: load.count,
    unsent: run.unsent,
    errors: run.records.filter((r) => r.error).length,
    delayMs: { p50: d.percentiles.get(50)!, p90: d.percentiles.get(90)!, p99: d.percentiles.get(99)!, max: d.percentiles.get(100)! },
    clientCpuPct: pct(cpu.clientS),
    simCpuPct: cpu.simS === null ? null : pct(cpu.simS),
    otherCpuPct: cpu.machineS === null || cpu.simS === null ? null : Math.max(0, pct(cpu.machineS - cpu.clientS - cpu.simS)),
    warnings: stageWarnings(run),
  };
}

function printTable(rows: Row[]): void {
  const header = ["requested req/s", "achieved req/s", "sent", "errors", "delay p50 ms", "p90 ms", "p99 ms", "max ms", "client CPU", "sim CPU", "other CPU"];
  const f = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));
  const lines = rows.map((r) => [
    f(r.requestedRps, 0),
    f(r.achievedRps, 1),
    String(r.sent) + (r.unsent ? ` (+${r.unsent} unsent)` : ""),
    String(r.errors),
    f(r.delayMs.p50, 3),
    f(r.delayMs.p90, 3),
    f(r.delayMs.p99, 3),
    f(r.delayMs.max, 2),
    `${f(r.clientCpuPct, 0)} %`,
    r.simCpuPct === null ? "–" : `${f(r.simCpuPct, 0)} %`,
    r.otherCpuPct === null ? "–" : `${f(r.otherCpuPct, 0)} %`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => "| " + cells.map((c, i) => c.padStart(widths[i]!)).join(" | ") + " |";
  console.log(fmt(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (canPin) spawnSync("taskset", ["-a", "-p", "-c", String(CLIENT_CPU), String(process.pid)], { stdio: "ignore" });
  const sim = await startSimProcess(["--ttft-ms", "0", "--itl-ms", "0"]);
  const simPid = sim.child.pid ?? null;
  if (canPin && simPid !== null) spawnSync("taskset", ["-a", "-p", "-c", String(SIM_CPU), String(simPid)], { stdio: "ignore" });
  try {
    const model = ((await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data[0]!.id;
    // Bodies are built per request by the runner, as a data generator's would be: 16 token ids, streamed answer.
    const source: RequestSource = {
      request: (i) => ({
        body: JSON.stringify({
          model,
          prompt: Array.from({ length: 16 }, (_, k) => (i + k) % 30_000),
          max_tokens: flags.outputTokens,
          ignore_eos: true,
          stream: true,
          stream_options: { include_usage: true },
        }),
        plannedPromptTokens: 16,
        plannedOutputTokens: flags.outputTokens,
      }),
      describe: () => `16 token ids → ${flags.outputTokens} tokens`,
    };
    const stages: StagePlan[] = [WARMUP, ...flags.rates.map((rate) => ({ kind: flags.kind, rate, durationS: flags.seconds }))];
    console.log(
      `kneepoint rate benchmark: ${flags.kind} stages of ${flags.seconds} s at ${flags.rates.join(", ")} req/s (after an unmeasured ${WARMUP.rate} req/s × ${WARMUP.durationS} s warmup), ` +
        `zero-latency simulator, 16-token prompts, ${flags.outputTokens} streamed output tokens, in-flight cap ${flags.maxInFlight || "none"}`,
    );
    console.log(canPin ? `client pinned to CPU ${CLIENT_CPU}, simulator to CPU ${SIM_CPU} (taskset)` : "not pinned (one core or no taskset)");

    const cpu: Array<{ clientS: number; simS: number | null; machineS: number | null; wallS: number }> = [];
    let at: { client: NodeJS.CpuUsage; sim: number | null; machine: number | null; wallMs: number } | null = null;
    const never = new AbortController().signal;
    const runs = await runStages({
      stages,
      intervalS: 1,
      source,
      client: { baseUrl: sim.url, endpoint: "/v1/completions", headers: {}, streaming: true, requestTimeoutS: 30 },
      maxInFlight: flags.maxInFlight,
      seed: 42,
      stop: never,
      abort: never,
      onStageStart: () => {
        at = { client: process.cpuUsage(), sim: simPid === null ? null : readProcCpuTicks(simPid), machine: readMachineBusyTicks(), wallMs: performance.now() };
      },
      onStageEnd: () => {
        const a = at!;
        const client = process.cpuUsage(a.client);
        const simTicks = simPid === null ? null : readProcCpuTicks(simPid);
        const machine = readMachineBusyTicks();
        cpu.push({
          clientS: (client.user + client.system) / 1e6,
          simS: a.sim === null || simTicks === null ? null : (simTicks - a.sim) / clockTicksPerS,
          machineS: a.machine === null || machine === null ? null : (machine - a.machine) / clockTicksPerS,
          wallS: (performance.now() - a.wallMs) / 1000,
        });
      },
    });
    const rows = runs.slice(1).map((run, i) => row(run, cpu[i + 1]!));
    printTable(rows);
    console.log("achieved = sent / (last send − first send); delay = send − scheduled (absolute due time); CPU = % of one core over the stage, incl. its drain.");
    for (const r of rows) for (const w of r.warnings) console.log(`warning: ${w}`);
    if (flags.jsonFile) writeFileSync(flags.jsonFile, JSON.stringify({ flags, rows }, null, 2) + "\n");
  } finally {
    await sim.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
