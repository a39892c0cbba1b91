/**
 * Circuit breakers, hand-computed: the two triggers of inference-perf 0.7.0 (circuit_breaker/triggers/), the
 * breaker's matches/rules (simple_breaker.py), the JMESPath subset as Python's jmespath evaluates it, and the config
 * rules (load.circuit_breakers names a defined breaker; an expression outside the subset is refused by name).
 */
import { describe, expect, it } from "vitest";
import { createTrigger } from "../../src/scenarios/breakers/breaker-triggers.ts";
import { createCircuitBreaker } from "../../src/scenarios/breakers/circuit-breaker.ts";
import { compileExpression, JmesPathExpressionError, pythonTruthy } from "../../src/scenarios/breakers/jmespath-expression.ts";
import { breakerMetricDoc } from "../../src/scenarios/breakers/breaker-metric-doc.ts";
import { scenarioConfigSchema } from "../../src/scenarios/config/scenario-config-schema.ts";
import type { ScenarioRecord } from "../../src/scenarios/types.ts";

const feedAll = (t: ReturnType<typeof createTrigger>, samples: Array<[number, 0 | 1]>) =>
  samples.map(([atMs, hit]) => {
    t.update({ atMs, hit });
    return t.fired();
  });

describe("triggers", () => {
  it("consecutive: fires on the threshold-th hit in a row; a miss resets the run", () => {
    const t = createTrigger({ type: "consecutive", threshold: 3 });
    expect(feedAll(t, [[0, 1], [1, 1], [2, 0], [3, 1], [4, 1], [5, 1], [6, 0]])).toEqual([false, false, false, false, false, true, true]);
  });

  it("rate_over_window: hits / samples in the window ≥ threshold once min_samples are there; older samples leave", () => {
    // window 1 s, threshold 0.5, min_samples 3.
    const t = createTrigger({ type: "rate_over_window", window_sec: 1, threshold: 0.5, min_samples: 3 });
    // t=0 hit (1 sample), t=100 miss (2), t=200 miss (3 samples, 1/3 < .5), t=1150: 0 and 100 have left (< 150),
    // window = {200 miss, 1150 hit}: 2 samples < min_samples; t=1160 hit: {200, 1150, 1160} = 2/3 ≥ .5 → fires.
    expect(feedAll(t, [[0, 1], [100, 0], [200, 0], [1150, 1], [1160, 1]])).toEqual([false, false, false, false, true]);
  });

  it("rate_over_window keeps a sample exactly window_sec old (only strictly older ones leave), and with threshold 0 fires on the first sample", () => {
    const t = createTrigger({ type: "rate_over_window", window_sec: 1, threshold: 1, min_samples: 2 });
    expect(feedAll(t, [[0, 1], [1000, 1]])).toEqual([false, true]); // cutoff 0: the t=0 sample stays
    const z = createTrigger({ type: "rate_over_window", window_sec: 5, threshold: 0, min_samples: 0 });
    expect(feedAll(z, [[0, 0]])).toEqual([true]);
  });
});

describe("JMESPath (Python jmespath 1.1.0 semantics)", () => {
  const doc = { error: { error_type: "TimeoutError", error_msg: "Request timed out" }, info: { response_metrics: { output_tokens: 0 }, tags: ["a", "b"] }, n: 0 };
  const search = (e: string) => compileExpression(e).search(doc);

  it("evaluates fields, literals, comparisons, boolean operators and functions", () => {
    expect(search("error.error_type == 'TimeoutError'")).toBe(true);
    expect(search("error.missing.deeper")).toBe(null);
    expect(search("info.response_metrics.output_tokens == `0`")).toBe(true);
    expect(search("n == `false`")).toBe(false); // 0 never equals false in jmespath
    expect(search("!n")).toBe(false); // !0 is false (visit_not_expression)
    expect(search("!a == `true`")).toBe(true); // `!` binds tighter than `==`: (!null) == true
    expect(search("error && n")).toBe(0);
    expect(search("missing || error.error_type")).toBe("TimeoutError");
    expect(search("contains(error.error_msg, 'timed')")).toBe(true);
    expect(search("info.tags[-1]")).toBe("b");
    expect(search('"error".error_type')).toBe("TimeoutError");
    expect(search("info.response_metrics.output_tokens < `1`")).toBe(true);
    expect(() => search("error.error_type < `1`")).toThrow(TypeError); // str < int raises in Python: counted as no match
    expect([pythonTruthy(0), pythonTruthy(""), pythonTruthy([]), pythonTruthy({}), pythonTruthy("x"), pythonTruthy(1)]).toEqual([false, false, false, false, true, true]);
  });

  it("evaluates projections, filters, slices, pipes and multi-selects, and compares strings as Python does", () => {
    const items = { items: [{ a: 1, e: "x" }, { a: 2 }, { a: 3, e: "y" }], s: "abc" };
    const on = (e: string) => compileExpression(e).search(items);
    expect(on("items[*].a")).toEqual([1, 2, 3]);
    expect(on("items[?a >= `2`].a")).toEqual([2, 3]);
    expect(on("items[?e].e | length(@)")).toBe(2);
    expect(on("items[1:].a")).toEqual([2, 3]);
    expect(on("{first: items[0].a, n: length(items)}")).toEqual({ first: 1, n: 3 });
    expect(on("s > 'abb'")).toBe(true); // two strings are ordered in Python's jmespath (null in the community spec)
    expect(on("s < 'abb'")).toBe(false);
    expect(on("missing < `10`")).toBe(null); // null is not comparable: null, not true (JavaScript's null < 10)
    expect(() => on("s < `1`")).toThrow(TypeError); // str < int raises in Python
  });

  it("refuses what Python's jmespath cannot compile, and malformed expressions", () => {
    for (const e of ["a == 1", "error.error_type ==", "a + b", "let $x = a in $x", "$.a", "lower(s)", "a ? b : c"]) {
      expect(() => compileExpression(e), e).toThrow(JmesPathExpressionError);
    }
  });
});

describe("breaker", () => {
  const timeouts = { name: "timeouts", metrics: { matches: ["error"], rules: ["error.error_type == 'TimeoutError'"] }, triggers: [{ type: "consecutive" as const, threshold: 2 }] };

  it("watches what matches, counts a hit when a rule holds (or there is no rule), and opens when a trigger fires", () => {
    const b = createCircuitBreaker(timeouts);
    const timeout = { error: { error_type: "TimeoutError", error_msg: "x" } };
    const http500 = { error: { error_type: "HTTP Error 500", error_msg: "x" } };
    b.feed({ stage_id: 0 }, 1); // a success: not watched, so it does not reset the run
    b.feed(timeout, 2);
    b.feed(http500, 3); // watched, not a hit: resets
    b.feed(timeout, 4);
    expect(b.isOpen()).toBe(false);
    b.feed({}, 5);
    b.feed(timeout, 6);
    expect(b.isOpen()).toBe(true);
    expect(b.trip()).toMatchObject({ breaker: "timeouts", triggerIndex: 0, atMs: 6, requestsFed: 6, watched: 4, hits: 3 });
    expect(b.counts()).toEqual({ fed: 6, watched: 4, hits: 3 });
  });
});

describe("config", () => {
  const base = { server: { base_url: "http://127.0.0.1:1" }, load: { stages: [{ rate: 1, duration: 1 }], circuit_breakers: ["timeouts"] } };
  const def = { name: "timeouts", metrics: { matches: ["error.error_type == 'TimeoutError'"] }, triggers: [{ type: "rate_over_window", window_sec: 2.5, threshold: 0.8, min_samples: 2 }] };
  const issues = (doc: unknown) => {
    const r = scenarioConfigSchema.safeParse(doc);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("accepts 0.7.0's example breaker, with its defaults (rules [], min_samples 0) and unknown keys ignored as pydantic's BaseModel does", () => {
    expect(issues({ ...base, circuit_breakers: [{ ...def, note: "x" }] })).toEqual([]);
    const cfg = scenarioConfigSchema.parse({ ...base, circuit_breakers: [{ ...def, triggers: [{ type: "consecutive", threshold: 10 }] }] });
    expect(cfg.circuit_breakers![0]!.metrics.rules).toEqual([]);
  });

  it("refuses a load.circuit_breakers name no breaker defines, and an expression kneepoint cannot evaluate", () => {
    expect(issues(base)).toEqual([expect.stringMatching(/^load\.circuit_breakers\.0: unknown circuit breaker "timeouts"/)]);
    expect(issues({ ...base, circuit_breakers: [{ ...def, metrics: { matches: ["items[*].error"] } }] })).toEqual([]);
    expect(issues({ ...base, circuit_breakers: [{ ...def, metrics: { matches: ["upper(error.error_type)"] } }] })).toEqual([
      expect.stringMatching(/^circuit_breakers\.0\.metrics\.matches\.0: cannot use "upper\(error\.error_type\)": unknown function upper\(\)/),
    ]);
    expect(issues({ ...base, circuit_breakers: [{ ...def, triggers: [{ type: "consecutive", threshold: 0 }] }] })).toHaveLength(1);
  });
});

describe("what a breaker sees of a request (0.7.0's RequestLifecycleMetric dump without None values)", () => {
  const rec = (error: ScenarioRecord["error"]): ScenarioRecord =>
    ({ index: 0, stage: 1, plannedPromptTokens: 4, sendMs: 2000, scheduledMs: 1999, endMs: 2100, chunkTimesMs: error ? [] : [2020, 2030], promptTokens: error ? null : 4, completionTokens: error ? null : 2, textChunks: error ? 0 : 2, sendEpochMs: 0, error }) as ScenarioRecord;
  const example = compileExpression("error.error_type == 'TimeoutError'"); // 0.7.0's examples/vllm/config-circuitbreaker.yml

  it("a timed-out request carries error.error_type TimeoutError and no adapter; a success has no `error` key", () => {
    const timeout = breakerMetricDoc(rec({ reason: "timeout", message: "timed out" }), { streaming: true, body: '{"model":"sql","prompt":"x"}', loraAdapter: "sql" });
    expect(timeout).toMatchObject({ stage_id: 1, start_time: 2, end_time: 2.1, error: { error_type: "TimeoutError", error_msg: "Request timed out" } });
    expect(timeout.info).toEqual({ request_metrics: { text: { input_tokens: 0 } }, extra_info: {}, retries_attempted: 0, retries_recovered: false });
    expect(example.search(timeout)).toBe(true);
    const ok = breakerMetricDoc(rec(null), { streaming: true, body: '{"model":"sql","prompt":"x"}', loraAdapter: "sql" });
    expect(ok).not.toHaveProperty("error");
    expect(ok).toMatchObject({ request_data: '{"model": "sql", "prompt": "x"}', info: { lora_adapter: "sql", response_metrics: { output_tokens: 2 } } });
    expect(example.search(ok)).toBe(false); // null == 'TimeoutError'
  });
});
