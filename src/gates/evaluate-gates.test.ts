import { describe, expect, it } from "vitest";
import type { RecordedRun } from "../report/recorded-run.ts";
import { evaluateGates } from "./evaluate-gates.ts";
import type { Gate } from "./gate.ts";
import { lifecycleScope, sweepScopes } from "./gate-scopes.ts";
import { parseGate } from "./parse-gate.ts";
import { describeFailures, gatesFile, gatesMarkdownLine, renderGatesBlock } from "./render-gates.ts";

const g = (src: string): Gate => {
  const r = parseGate(src);
  if (!r.ok) throw new Error(r.error.message);
  return r.gate;
};

// Two sweep steps with vLLM's keys; c=4 is slower, and had 1 failure in 20.
const steps = [
  { concurrency: 1, result: { completed: 10, failed: 0, output_throughput: 1000, request_throughput: 2, total_token_throughput: 3000, request_goodput: null, mean_ttft_ms: 40, median_ttft_ms: 38, p95_ttft_ms: 120, p99_ttft_ms: 150, median_itl_ms: 10, p75_tpot_ms: 11 } },
  { concurrency: 4, result: { completed: 19, failed: 1, output_throughput: 2500, request_throughput: 5, total_token_throughput: 7500, request_goodput: null, mean_ttft_ms: 300, median_ttft_ms: 280, p95_ttft_ms: 612.5, p99_ttft_ms: 900, median_itl_ms: 12 } },
];

const baseline: RecordedRun = {
  runId: "base-1",
  recordedAt: "2026-12-01 10:00 UTC",
  model: "m",
  shape: "256/128 /v1/completions",
  simulated: true,
  gpu: "kneepoint-sim h100-8b",
  knee: null,
  steps: [
    { c: 1, reqPerS: 2, outTokPerS: 1000, ttftP50Ms: 38, ttftP99Ms: 150, itlP50Ms: 10, e2elP50Ms: null, e2elP99Ms: null, failed: 0 },
    { c: 4, reqPerS: 5, outTokPerS: 3125, ttftP50Ms: 200, ttftP99Ms: 900, itlP50Ms: 12, e2elP50Ms: null, e2elP99Ms: null, failed: 0 },
  ],
};

describe("evaluateGates over sweep steps (every step)", () => {
  it("fails a latency SLO at the steps where it is true, and names them", () => {
    const [o] = evaluateGates([g("p95(ttft) > 500ms")], sweepScopes(steps, null));
    expect(o).toMatchObject({ gate: "p95(ttft) > 500ms", status: "fail", threshold: 500 });
    expect(o!.values).toEqual([
      { where: "c=1", value: 120, failed: false },
      { where: "c=4", value: 612.5, failed: true },
    ]);
    expect(describeFailures([o!])).toBe("1 of 1 gate(s) failed: 'p95(ttft) > 500ms': 612.5 ms at c=4 (threshold 500ms)");
  });

  it("passes with the worst value, in seconds or ms alike", () => {
    const [a, b] = evaluateGates([g("p95(ttft) > 0.7s"), g("output_throughput < 900")], sweepScopes(steps, null));
    expect(a).toMatchObject({ status: "pass", worst: { where: "c=4", value: 612.5 } });
    expect(b).toMatchObject({ status: "pass", worst: { where: "c=1", value: 1000 } });
  });

  it("error_rate = failed / (completed + failed): 1/20 = 5% at c=4", () => {
    const [over, under] = evaluateGates([g("error_rate > 1%"), g("error_rate >= 0.06")], sweepScopes(steps, null));
    expect(over!.values.map((v) => v.value)).toEqual([0, 0.05]);
    expect(over!.status).toBe("fail");
    expect(under!.status).toBe("pass");
  });

  it("reads mean, median, p50 as median, and a percentile only where it was computed", () => {
    const out = evaluateGates([g("mean(ttft) > 299ms"), g("p50(itl) > 11ms"), g("p75(tpot) > 100ms")], sweepScopes(steps, null));
    expect(out[0]!.values.map((v) => v.value)).toEqual([40, 300]);
    expect(out[1]!.values.map((v) => v.value)).toEqual([10, 12]);
    expect(out[2]!.values[1]).toEqual({ where: "c=4", value: null, failed: true, note: "not measured" });
    expect(out[2]!.status).toBe("fail");
  });

  it("a step without a successful request has no latency: the latency gate fails as not measured", () => {
    const [o] = evaluateGates([g("p95(ttft) > 500ms")], sweepScopes([{ concurrency: 8, result: { completed: 0, failed: 3, p95_ttft_ms: 0 } }], null));
    expect(o!.values).toEqual([{ where: "c=8", value: null, failed: true, note: "not measured" }]);
  });

  it("regression: a throughput drop and a latency rise against the same step of the baseline", () => {
    const [tput, ttft] = evaluateGates([g("regression(output_throughput) > 10%"), g("regression(median(ttft)) > 50%")], sweepScopes(steps, baseline));
    // c=1: 1 − 1000/1000 = 0; c=4: 1 − 2500/3125 = 0.2
    expect(tput!.values.map((v) => v.value)).toEqual([0, expect.closeTo(0.2, 12)]);
    expect(tput!.status).toBe("fail");
    // c=4: 280/200 − 1 = 0.4
    expect(ttft!.values.map((v) => v.value)).toEqual([0, expect.closeTo(0.4, 12)]);
    expect(ttft!.status).toBe("pass");
  });

  it("regression without a baseline is not checked and does not fail; a step missing from the baseline is skipped", () => {
    const [none] = evaluateGates([g("regression(output_throughput) > 10%")], sweepScopes(steps, null));
    expect(none!.status).toBe("no-baseline");
    const partial = { ...baseline, steps: baseline.steps.slice(0, 1) };
    const [some] = evaluateGates([g("regression(output_throughput) > 10%")], sweepScopes(steps, partial));
    expect(some!.status).toBe("pass");
    expect(some!.values[1]).toEqual({ where: "c=4", value: null, failed: false, note: "not in the baseline" });
  });

  it("nothing measured fails every gate", () => {
    expect(evaluateGates([g("error_rate > 1%")], [])[0]).toMatchObject({ status: "fail", values: [{ where: "run", value: null, failed: true }] });
  });
});

describe("evaluateGates over an inference-perf summary", () => {
  const summary = {
    successes: {
      count: 98,
      latency: { time_to_first_token: { mean: 0.05, min: 0.04, max: 0.9, median: 0.05, p95: 0.25, "p99.9": 0.8 }, request_latency: { mean: 1.2, median: 1.1, p90: 1.5 } },
      throughput: { output_tokens_per_sec: 1834.25, requests_per_sec: 7.5, total_tokens_per_sec: 9000 },
      goodput_metrics: { request_goodput: 6.25 },
    },
    failures: { count: 2 },
  };
  const scope = [lifecycleScope("summary", summary)];

  it("reads seconds as ms, p0/p100 as min/max, p50 as median, throughputs, goodput and error_rate", () => {
    const out = evaluateGates(
      [g("p95(ttft) > 200ms"), g("p0(ttft) > 50ms"), g("p100(ttft) > 1s"), g("p50(e2el) > 1s"), g("p99.9(ttft) > 1s"), g("output_throughput < 2000"), g("goodput < 6"), g("error_rate > 1%"), g("request_throughput < 7.5")],
      scope,
    );
    expect(out.map((o) => o.values[0]!.value)).toEqual([250, 40, 900, 1100, 800, 1834.25, 6.25, 0.02, 7.5]);
    expect(out.map((o) => o.status)).toEqual(["fail", "pass", "pass", "fail", "pass", "fail", "pass", "fail", "pass"]);
  });

  it("a metric the summary lacks fails as not measured", () => {
    expect(evaluateGates([g("p95(itl) > 1ms")], scope)[0]).toMatchObject({ status: "fail", values: [{ note: "not measured" }] });
  });
});

describe("rendering", () => {
  const out = evaluateGates([g("p95(ttft) > 500ms"), g("error_rate > 10%"), g("regression(output_throughput) > 10%")], sweepScopes(steps, null));

  it("the terminal block: each gate with pass/FAIL, value and threshold", () => {
    expect(renderGatesBlock(out, "checked at every step")).toBe(
      [
        "gates (a gate fails when its expression is true; checked at every step): 1 of 3 FAILED",
        "  FAIL  p95(ttft) > 500ms                    612.5 ms at c=4 (threshold 500ms)",
        "  pass  error_rate > 10%                     worst 5.00% at c=4 (threshold 10%)",
        "  n/a   regression(output_throughput) > 10%  no baseline of the same model, request shape and GPU in the benchmarks file: not checked",
      ].join("\n"),
    );
  });

  it("the benchmarks.md line and gates.json", () => {
    expect(gatesMarkdownLine(out)).toBe("**Gates:** FAIL `p95(ttft) > 500ms` (612.5 ms at c=4 (threshold 500ms)); pass `error_rate > 10%`; not checked `regression(output_throughput) > 10%`.");
    expect(gatesFile(out, "checked at every step", null)).toMatchObject({ status: "fail", scope: "checked at every step", baselineRunId: null });
  });
});
