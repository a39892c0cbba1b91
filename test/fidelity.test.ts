/**
 * Fidelity: the native engine's measurements against the simulator's deterministic mode, where every request's
 * first token arrives exactly TTFT after the request and then one token every ITL (scheduled on absolute
 * deadlines). The simulator runs in its own process, as a real server would. Tolerances are stated per check;
 * they allow for a loaded 2-core CI machine (client and server share the cores) and are still tight enough to
 * catch a wrong definition (e.g. E2EL taken at [DONE], ITL divided by tokens, chat TTFT off by a chunk).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimProcess, type SimProcess } from "../src/cli/start-sim-process.ts";
import { resolveSweepConfig } from "../src/config/read-sweep-config.ts";
import type { SweepConfigInput } from "../src/config/sweep-config.ts";
import { buildSweepPlan } from "../src/workload/sweep-plan.ts";
import { runSweep, type StepOutcome } from "../src/engine/sweep-runner.ts";
import { createServerTokenizer } from "../src/tokenizer/server-tokenizer.ts";
import { readTargetInfo } from "../src/engine/target-info.ts";

const TTFT_MS = 50;
const ITL_MS = 10;
const OUTPUT_LEN = 32;
const INPUT_LEN = 64;
const E2EL_MS = TTFT_MS + (OUTPUT_LEN - 1) * ITL_MS; // 360: the last of 32 tokens comes 31 ITLs after the first

let sim: SimProcess;

beforeAll(async () => {
  sim = await startSimProcess(["--ttft-ms", String(TTFT_MS), "--itl-ms", String(ITL_MS)]);
});
afterAll(async () => {
  await sim?.stop();
});

async function sweep(overrides: Partial<SweepConfigInput>): Promise<StepOutcome[]> {
  const { config } = resolveSweepConfig([
    { baseUrl: sim.url, concurrency: [1, 32], inputLen: INPUT_LEN, outputLen: OUTPUT_LEN, minPrompts: 8, promptsPerStep: 2 },
    overrides,
  ]);
  const target = await readTargetInfo(config.baseUrl, {}, config.model);
  const plan = buildSweepPlan(config);
  const never = new AbortController().signal;
  const result = await runSweep({
    keepRecords: true,
    plan,
    config,
    model: target.model,
    tokenizer: createServerTokenizer({ baseUrl: config.baseUrl, model: target.model, headers: config.headers }),
    stop: never,
    abort: never,
  });
  return result.steps;
}

/** Added-latency budgets: what the harness may add on top of the injected value at each concurrency. */
const TTFT_SLACK_MS: Record<number, number> = { 1: 5, 32: 15 };
const ITL_SLACK_MS: Record<number, number> = { 1: 1, 32: 2 };

function checkTimings(o: StepOutcome): void {
  const r = o.result;
  const c = o.step.concurrency;
  expect(r.failed, `c=${c} failures: ${JSON.stringify(r.errors_by_reason)}`).toBe(0);
  expect(r.completed).toBe(o.step.numPrompts);
  // A client cannot see a token before it was sent (small negative slack: timer granularity on the server).
  expect(r.median_ttft_ms).toBeGreaterThanOrEqual(TTFT_MS - 1);
  expect(r.median_ttft_ms).toBeLessThanOrEqual(TTFT_MS + TTFT_SLACK_MS[c]!);
  expect(Math.abs(r.median_tpot_ms - ITL_MS)).toBeLessThanOrEqual(ITL_SLACK_MS[c]!);
  expect(r.median_e2el_ms).toBeGreaterThanOrEqual(E2EL_MS - 2);
  expect(r.median_e2el_ms).toBeLessThanOrEqual(E2EL_MS + TTFT_SLACK_MS[c]! + 5);
  expect(r.max_concurrent_requests).toBe(c);
}

describe("native engine vs deterministic simulator", () => {
  it("measures TTFT, ITL, TPOT, E2EL and token counts of /v1/completions at concurrency 1 and 32", async () => {
    const steps = await sweep({});
    expect(steps.map((s) => s.step.concurrency)).toEqual([1, 32]);
    for (const o of steps) {
      checkTimings(o);
      const r = o.result;
      expect(Math.abs(r.median_itl_ms - ITL_MS)).toBeLessThanOrEqual(ITL_SLACK_MS[o.step.concurrency]!);
      expect(r.total_output_tokens).toBe(OUTPUT_LEN * r.completed);
      // Prompts of exact length through /tokenize + /detokenize: the server counts exactly --input-len.
      expect(r.total_input_tokens).toBe(INPUT_LEN * r.completed);
      expect(r.output_tokens_counted).toBe(0);
      // ITL pooled over requests: 31 gaps per 32-token request.
      for (const rec of o.records) expect(rec.chunkTimesMs).toHaveLength(OUTPUT_LEN);
    }
  });

  it("measures /v1/chat/completions the way vllm bench serve does (TTFT at the role-only chunk)", async () => {
    const steps = await sweep({ endpoint: "/v1/chat/completions" });
    for (const o of steps) {
      checkTimings(o);
      const r = o.result;
      expect(r.total_output_tokens).toBe(OUTPUT_LEN * r.completed);
      for (const rec of o.records) {
        // The role-only chunk plus 32 content chunks: 33 token-bearing chunks, the first gap ~0.
        expect(rec.chunkTimesMs).toHaveLength(OUTPUT_LEN + 1);
        expect(rec.textChunks).toBe(OUTPUT_LEN);
      }
      // ITL's median is still the injected ITL; its lower percentiles hold the near-zero role→content gaps.
      expect(Math.abs(r.median_itl_ms - ITL_MS)).toBeLessThanOrEqual(ITL_SLACK_MS[o.step.concurrency]!);
    }
  });
});
