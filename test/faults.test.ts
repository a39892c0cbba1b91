/**
 * Fault injection end to end: the simulator injects failures (seeded rates, or the per-request fault header),
 * the native engine counts each one with the right reason, and no request is lost
 * (completed + failed = sent). The expected counts are replayed from the simulator's own seeded fault drawer,
 * which draws once per generation request in a fixed sequence, so the totals do not depend on arrival order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimProcess, type SimProcess } from "../src/cli/start-sim-process.ts";
import { resolveSweepConfig } from "../src/config/read-sweep-config.ts";
import type { SweepConfigInput } from "../src/config/sweep-config.ts";
import { buildSweepPlan } from "../src/workload/sweep-plan.ts";
import { runSweep, type StepOutcome } from "../src/engine/sweep-runner.ts";
import { createServerTokenizer } from "../src/tokenizer/server-tokenizer.ts";
import { readTargetInfo } from "../src/engine/target-info.ts";
import { createFaultDrawer, type FaultRates } from "../src/sim/fault-injection.ts";

const OUTPUT_LEN = 16;
const RATES: FaultRates = {
  faultErrorRate: 0.1,
  faultErrorStatus: 503,
  faultRateLimitRate: 0.1,
  faultDisconnectRate: 0.15,
  faultStallRate: 0,
  faultStallMs: 0,
  faultMalformedRate: 0,
};
const SEED = 7;

let faulty: SimProcess;
let clean: SimProcess;

beforeAll(async () => {
  [faulty, clean] = await Promise.all([
    startSimProcess([
      "--ttft-ms", "5", "--itl-ms", "1", "--seed", String(SEED),
      "--fault-error-rate", String(RATES.faultErrorRate), "--fault-error-status", String(RATES.faultErrorStatus),
      "--fault-rate-limit-rate", String(RATES.faultRateLimitRate), "--fault-disconnect-rate", String(RATES.faultDisconnectRate),
    ]),
    startSimProcess(["--ttft-ms", "5", "--itl-ms", "1"]),
  ]);
});
afterAll(async () => {
  await Promise.all([faulty?.stop(), clean?.stop()]);
});

async function sweepOnce(baseUrl: string, overrides: Partial<SweepConfigInput>): Promise<StepOutcome> {
  const { config } = resolveSweepConfig([{ baseUrl, concurrency: [8], inputLen: 32, outputLen: OUTPUT_LEN }, overrides]);
  const target = await readTargetInfo(config.baseUrl, {}, undefined);
  const never = new AbortController().signal;
  const run = await runSweep({
    keepRecords: true,
    plan: buildSweepPlan(config),
    config,
    model: target.model,
    tokenizer: createServerTokenizer({ baseUrl, model: target.model, headers: {} }),
    stop: never,
    abort: never,
  });
  return run.steps[0]!;
}

/** Requests the simulator finished (its vllm:request_success_total over all finish reasons). */
async function generationRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("vllm:request_success_total{"))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

describe("fault injection through the native engine", () => {
  it("counts HTTP errors, 429s and mid-stream disconnects exactly, and loses no request", async () => {
    const n = 200;
    const o = await sweepOnce(faulty.url, { numPrompts: n });
    const draw = createFaultDrawer(RATES, SEED);
    let http = 0;
    let disconnect = 0;
    for (let i = 0; i < n; i++) {
      const plan = draw(OUTPUT_LEN);
      if (plan.rateLimit || plan.status !== undefined) http++;
      else if (plan.disconnectAfter !== undefined) disconnect++;
    }
    expect(http).toBeGreaterThan(0);
    expect(disconnect).toBeGreaterThan(0);
    const r = o.result;
    expect(r.completed + r.failed).toBe(n);
    expect(r.errors_by_reason).toEqual({ http, disconnect });
    expect(r.completed).toBe(n - http - disconnect);
    const statuses = new Set(o.records.filter((x) => x.error?.reason === "http").map((x) => x.error!.status));
    expect(statuses).toEqual(new Set([429, 503]));
    // Failed requests never leak into latencies or token totals.
    expect(r.total_output_tokens).toBe(OUTPUT_LEN * r.completed);
  });

  it("sends the warmup first and leaves it out of the measured step", async () => {
    const before = await generationRequests(clean.url);
    const o = await sweepOnce(clean.url, { numPrompts: 8, warmup: 4 });
    expect(o.result.completed).toBe(8);
    expect(o.records.map((r) => r.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await generationRequests(clean.url)) - before).toBe(12);
  });

  it("counts malformed chunks and timeouts (per-request fault header) and the run goes on", async () => {
    const malformed = await sweepOnce(clean.url, { numPrompts: 16, headers: { "x-kneepoint-fault": "malformed-at=3" } });
    expect(malformed.result.errors_by_reason).toEqual({ "malformed-chunk": 16 });
    const stalled = await sweepOnce(clean.url, { numPrompts: 8, timeoutS: 0.3, headers: { "x-kneepoint-fault": "stall-ms=5000" } });
    expect(stalled.result.errors_by_reason).toEqual({ timeout: 8 });
    expect(stalled.result.completed).toBe(0);
  });
});
