/**
 * How well the sweep finds a server's saturation rate, on the simulator, against the simulator's own answer.
 * For each case: the truth is the simulator's engine model driven in virtual time by an ideal closed loop
 * (rate-virtual-capacity.ts) × --speedup; then, over HTTP against `kneepoint sim`, kneepoint's ladder
 * (src/scenarios/load, through runStages with load.sweep) and inference-perf's burn-down estimator
 * (rate-burn-down.ts: a 400 req/s × 5 s burst for num_requests 2,000, in-flight cap 800 = 8 workers × 100).
 * A measurement, not a test: it prints the figures and exits 0.
 *
 *   npx tsx bench/rate-sweep-check.ts [--case kv-starved|h100-8b]
 */
import { startSimProcess } from "../src/cli/start-sim-process.ts";
import type { ProfileName } from "../src/sim/profiles.ts";
import type { RequestSource, StageRun } from "../src/scenarios/types.ts";
import { runStages, type SweepOutcome } from "../src/scenarios/load/run-stages.ts";
import { virtualCapacity, type RequestShape } from "./rate-virtual-capacity.ts";
import { burnDownEstimateRps } from "./rate-burn-down.ts";

interface Case {
  profile: ProfileName;
  speedup: number;
  shape: RequestShape;
}
const CASES: Record<string, Case> = {
  "kv-starved": { profile: "kv-starved", speedup: 20, shape: { promptTokens: 256, outputTokens: 64 } },
  "h100-8b": { profile: "h100-8b", speedup: 1, shape: { promptTokens: 128, outputTokens: 32 } },
};
const SWEEP = { type: "geometric", numRequests: 2000, timeoutS: 60, numStages: 5, stageDurationS: 180, saturationPercentile: 95, stageKind: "constant" } as const;

function source(model: string, shape: RequestShape): RequestSource {
  return {
    request: (i) => ({
      body: JSON.stringify({
        model,
        prompt: Array.from({ length: shape.promptTokens }, (_, k) => (i * 7 + k) % 30_000),
        max_tokens: shape.outputTokens,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      }),
      plannedPromptTokens: shape.promptTokens,
      plannedOutputTokens: shape.outputTokens,
    }),
    describe: () => `${shape.promptTokens} → ${shape.outputTokens} tokens`,
  };
}

async function check(name: string, c: Case): Promise<void> {
  const truth = virtualCapacity(c.profile, c.shape, 1024);
  const capacityRps = truth.capacityRps * c.speedup;
  console.log(`\n## ${name} (--speedup ${c.speedup}, ${c.shape.promptTokens} → ${c.shape.outputTokens} tokens, ignore_eos)`);
  console.log(`engine model X(c) × speedup: ${truth.curve.map((p) => `${p.concurrency}: ${(p.rps * c.speedup).toFixed(1)}`).join(", ")}`);
  console.log(`capacity (highest X): ${capacityRps.toFixed(1)} req/s`);

  const sim = await startSimProcess(["--profile", c.profile, "--speedup", String(c.speedup)]);
  try {
    const model = ((await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data[0]!.id;
    const client = { baseUrl: sim.url, endpoint: "/v1/completions", headers: {}, streaming: true, requestTimeoutS: 600 };
    const never = new AbortController().signal;

    const stop = new AbortController();
    let outcome: SweepOutcome | null = null;
    const t0 = performance.now();
    await runStages({
      stages: [],
      sweep: SWEEP,
      intervalS: 0,
      source: source(model, c.shape),
      client,
      maxInFlight: 800,
      seed: 1,
      stop: stop.signal,
      abort: never,
      onSweep: (o) => {
        outcome = o;
        stop.abort(); // the estimate is what is checked; the generated stages are not run
      },
    });
    const ladderS = (performance.now() - t0) / 1000;
    const o = outcome as SweepOutcome | null;
    if (!o) throw new Error("the ladder gave no estimate");
    const e = o.estimate;
    const sent = o.probeRuns.reduce((n, r) => n + r.records.length, 0);
    console.log(`ladder (${sent} requests, ${ladderS.toFixed(0)} s): ${e.rateRps.toFixed(1)} req/s = ${((100 * e.rateRps) / capacityRps).toFixed(0)} % of capacity; knee c=${e.kneeConcurrency}, stopped by ${e.stoppedBy}`);
    for (const r of e.rungs) {
      const model = truth.curve.find((p) => p.concurrency === r.concurrency)!.rps * c.speedup;
      console.log(
        `  c=${String(r.concurrency).padStart(4)}: X = N̄/R ${r.throughputRps.toFixed(1).padStart(6)} (model ${model.toFixed(1).padStart(6)}, ${((100 * r.throughputRps) / model - 100).toFixed(0).padStart(3)} %), counted ${r.countedThroughputRps.toFixed(1).padStart(6)}, N̄ ${r.meanInFlight.toFixed(1)}, X_count·R ${r.littleN.toFixed(1)}`,
      );
    }
    for (const n of e.notes) console.log(`  note: ${n}`);

    let burst: StageRun | undefined;
    const t1 = performance.now();
    await runStages({
      stages: [{ kind: "constant", rate: SWEEP.numRequests / 5, durationS: 5 }],
      stageTimeoutS: SWEEP.timeoutS,
      intervalS: 0,
      source: source(model, c.shape),
      client,
      maxInFlight: 800,
      seed: 2,
      stop: never,
      abort: never,
      onStageEnd: (run) => void (burst = run),
    });
    const burnS = (performance.now() - t1) / 1000;
    const b = burst as StageRun | undefined;
    if (!b) throw new Error("the burst did not run");
    const originMs = Math.min(...b.records.map((r) => r.scheduledMs)) - 0; // first due time ≈ the probe's start
    const est = burnDownEstimateRps(b.records, originMs, SWEEP.timeoutS * 1000, SWEEP.saturationPercentile);
    const sorted = [...est.rates].sort((x, y) => x - y);
    console.log(
      `burn-down p${SWEEP.saturationPercentile} (${b.records.length} requests, ${burnS.toFixed(0)} s, ${b.status}): ` +
        (est.rateRps === null ? "no estimate (too few samples)" : `${est.rateRps.toFixed(1)} req/s = ${((100 * est.rateRps) / capacityRps).toFixed(0)} % of capacity`) +
        `; its ${est.rates.length} rates: min ${sorted[0]?.toFixed(0)}, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)}`,
    );
  } finally {
    await sim.stop();
  }
}

const only = process.argv.indexOf("--case");
const names = only >= 0 ? [process.argv[only + 1]!] : Object.keys(CASES);
for (const name of names) {
  const c = CASES[name];
  if (!c) throw new Error(`unknown case ${name}: ${Object.keys(CASES).join(", ")}`);
  await check(name, c);
}
