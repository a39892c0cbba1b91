/**
 * Merge exactness (issue 13): random records of two successive stages, each stage's records split into 1–4 shards
 * (any record to any shard, completion order kept within a shard), each shard folded into its own StageState,
 * written to JSON and read back, merged. Exact mode: the stage reports, the summary (the stages' merged states),
 * the adapter files and the terminal table equal those of one state of all the records, and the records path
 * (buildLifecycleReport); the BR partial too, but for its numpy pairwise mean/stddev, whose sum order follows the
 * shards (equal to ~1e-12). Histogram mode (exactCap 3): counts, rates and min/max exact, percentiles within
 * Samples' stated relative error of the exact ones.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import { HISTOGRAM_RELATIVE_ERROR } from "../../metrics/samples.ts";
import type { ScenarioRecord, StagePlan } from "../types.ts";
import { buildAdapterLifecycleFiles } from "./adapter-lifecycle-files.ts";
import { buildBrAggregateFromState, type BrAggregate } from "./br-partial-report.ts";
import { buildLifecycleReport, buildLifecycleReportFromState, foldStageState } from "./build-lifecycle-report.ts";
import type { Dist, LifecycleReport } from "./lifecycle-report.ts";
import { renderScenarioSummaryTableFromStates } from "./scenario-summary-table.ts";
import { mergeStageStates, type StageFoldContext, type StageState, type StageStateOptions } from "./stage-state.ts";
import { stageStateFromJson, stageStateToJson } from "./stage-state-json.ts";

const PERCENTILES = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9];
const PLANS: StagePlan[] = [
  { kind: "constant", rate: 5, durationS: 10 },
  { kind: "concurrent", concurrency: 3, numRequests: 40 },
];
const ERRORS = [
  { reason: "http", status: 503, message: 'HTTP 503: {"error":{"message":"overloaded"}}' },
  { reason: "http", status: 500, message: "HTTP 500: boom" },
  { reason: "http", status: 500, message: "HTTP 500: bang" },
  { reason: "http", status: 400, message: "HTTP 400: maximum context length exceeded" },
  { reason: "timeout", message: "timed out" },
  { reason: "connection", message: "connect ECONNREFUSED 127.0.0.1:1" },
] as const;

const arbSpec = fc.record({
  send: fc.integer({ min: 0, max: 9_000 }),
  late: fc.integer({ min: 0, max: 40 }),
  gaps: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }),
  tail: fc.integer({ min: 1, max: 30 }),
  prompt: fc.option(fc.integer({ min: 1, max: 900 })),
  completion: fc.option(fc.integer({ min: 0, max: 9 })),
  cached: fc.option(fc.integer({ min: 0, max: 50 })),
  error: fc.option(fc.integer({ min: 0, max: ERRORS.length - 1 }), { freq: 3 }),
  adapter: fc.constantFrom("a", "b", null),
  shard: fc.nat(3),
});
type Spec = typeof arbSpec extends fc.Arbitrary<infer T> ? T : never;

/** Records of one stage from `t0` on, in completion order with distinct ends (fractions keep them apart). */
function stageRecords(specs: readonly Spec[], stage: number, t0: number, captured: boolean): Array<{ rec: ScenarioRecord; spec: Spec }> {
  const out = specs.map((spec, i) => {
    const sendMs = t0 + spec.send + i / 64;
    const chunks: number[] = [];
    let t = sendMs;
    for (const g of spec.gaps) chunks.push((t += g));
    const err = spec.error === null ? null : ERRORS[spec.error]!;
    const usage = { ...(spec.prompt !== null ? { prompt_tokens: spec.prompt } : {}), ...(spec.completion !== null ? { completion_tokens: spec.completion } : {}), ...(spec.cached !== null ? { prompt_tokens_details: { cached_tokens: spec.cached } } : {}) };
    const rec = scenarioRecord({
      stage,
      index: i,
      scheduledMs: sendMs - spec.late,
      sendMs,
      chunkTimesMs: err ? [] : chunks,
      endMs: t + spec.tail,
      plannedPromptTokens: 17,
      promptTokens: spec.prompt,
      completionTokens: spec.completion,
      error: err === null ? null : { ...err },
      ...(captured && err === null ? { capture: { contentTimesMs: chunks, contentTexts: chunks.map((_, k) => "ab".repeat(k % 3)), contentChunks: chunks.map(() => "{}"), usage } } : {}),
    });
    return { rec, spec };
  });
  return out.sort((x, y) => x.rec.endMs - y.rec.endMs);
}

const roundTrip = (s: StageState, where: string) => stageStateFromJson(JSON.parse(JSON.stringify(stageStateToJson(s))), where);

interface Case {
  stages: Array<{ plan: StagePlan; records: Array<{ rec: ScenarioRecord; spec: Spec }> }>;
  options: StageStateOptions;
  ctx: StageFoldContext;
}

const arbCase = fc
  .record({
    stage0: fc.array(arbSpec, { maxLength: 25 }),
    stage1: fc.array(arbSpec, { maxLength: 25 }),
    shards: fc.integer({ min: 1, max: 4 }),
    useServer: fc.boolean(),
    tokenizer: fc.constantFrom("none", "count", "retokenize"),
    streaming: fc.boolean(),
    maxErrorMessages: fc.integer({ min: 0, max: 2 }),
    goodput: fc.boolean(),
  })
  .map((c): Case & { shards: number } => {
    const captured = c.tokenizer !== "none";
    const specsOf = new Map<ScenarioRecord, Spec>();
    const stages = [c.stage0, c.stage1].map((specs, i) => {
      const records = stageRecords(specs, i, i * 20_000, captured);
      for (const r of records) specsOf.set(r.rec, r.spec);
      return { plan: PLANS[i]!, records };
    });
    return {
      shards: c.shards,
      stages,
      options: {
        useServerOutputTokens: c.useServer,
        streaming: c.streaming,
        countsTokens: c.tokenizer !== "none",
        retokenizeChunks: c.tokenizer === "retokenize",
        maxErrorMessages: c.maxErrorMessages,
        goodput: c.goodput ? { ttft: 0.03, request_latency: 0.15 } : null,
        perAdapter: true,
      },
      ctx: {
        ...(c.tokenizer !== "none" ? { countTokens: (t: string) => t.length } : {}),
        requestBody: (r) => (r.index % 3 === 0 ? undefined : `{"prompt":"${"é".repeat(r.index % 5)}","n":${r.index}}`),
        loraAdapter: (r) => specsOf.get(r)!.adapter,
      },
    };
  });

/** Each stage's merged shard states and its one-state fold. */
function shardedAndWhole(c: Case & { shards: number }, options: StageStateOptions) {
  return c.stages.map(({ plan, records }, i) => {
    const shards = Array.from({ length: c.shards }, (_, k) =>
      roundTrip(
        foldStageState(
          records.filter((r) => r.spec.shard % c.shards === k).map((r) => r.rec),
          options,
          c.ctx,
        ),
        `shard-${k}/stage_${i}`,
      ),
    );
    return { index: i, plan, merged: mergeStageStates(shards), whole: foldStageState(records.map((r) => r.rec), options, c.ctx) };
  });
}

const build = (s: StageState, stage?: StagePlan): LifecycleReport => buildLifecycleReportFromState(s.core, { percentiles: PERCENTILES, goodput: s.options.goodput, ...(stage ? { stage } : {}) });

/** BR aggregates equal but for mean and stddev, which match to ~1e-12 relative. */
function expectBrClose(actual: BrAggregate, expected: BrAggregate): void {
  const strip = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === "mean" || k === "stddev" ? undefined : v)));
  expect(strip(actual)).toEqual(strip(expected));
  const walk = (a: unknown, e: unknown, path: string) => {
    if (a === null || typeof a !== "object") return;
    for (const [k, v] of Object.entries(a)) {
      const w = (e as Record<string, unknown>)[k];
      if ((k === "mean" || k === "stddev") && typeof v === "number") expect(Math.abs(v - (w as number)), `${path}.${k}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w as number)));
      else walk(v, w, `${path}.${k}`);
    }
  };
  walk(actual, expected, "aggregate");
}

describe("merge of shards = one state of every record (exact mode)", () => {
  it("stage, summary, adapter files, table and BR aggregate", () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const stages = shardedAndWhole(c, c.options);
        for (const s of stages) {
          expect(build(s.merged, s.plan)).toEqual(build(s.whole, s.plan));
          expectBrClose(buildBrAggregateFromState(s.merged.core), buildBrAggregateFromState(s.whole.core));
        }
        const summaryMerged = mergeStageStates(stages.map((s) => s.merged));
        const summaryWhole = mergeStageStates(stages.map((s) => s.whole));
        expect(build(summaryMerged)).toEqual(build(summaryWhole));
        // The records path: one fold of every record of the run.
        const all = c.stages.flatMap((s) => s.records.map((r) => r.rec));
        const fromRecords = buildLifecycleReport(all, {
          percentiles: PERCENTILES,
          maxErrorMessages: c.options.maxErrorMessages,
          useServerOutputTokens: c.options.useServerOutputTokens,
          streaming: c.options.streaming,
          goodput: c.options.goodput,
          ...(c.ctx.countTokens ? { countTokens: c.ctx.countTokens } : {}),
          ...(c.options.retokenizeChunks ? { retokenizeChunks: true } : {}),
          requestBody: c.ctx.requestBody!,
        });
        expect(build(summaryMerged)).toEqual(fromRecords);
        const adapterFiles = (which: "merged" | "whole", summary: StageState) =>
          buildAdapterLifecycleFiles(
            stages.map((s) => ({ index: s.index, plan: s.plan, state: s[which] })),
            summary,
            { perAdapter: true, perAdapterStage: true, percentiles: PERCENTILES },
          );
        expect(adapterFiles("merged", summaryMerged)).toEqual(adapterFiles("whole", summaryWhole));
        const table = (which: "merged" | "whole") => renderScenarioSummaryTableFromStates(stages.map((s) => ({ index: s.index, plan: s.plan, state: s[which] })), { color: false, streaming: c.options.streaming });
        expect(table("merged")).toBe(table("whole"));
      }),
      { numRuns: 150 },
    );
  });
});

/** Every number of a dist: count-like keys exact, percentiles within the histogram's bound of the exact value. */
function expectDistWithin(actual: Dist, exact: Dist, path: string): void {
  if (exact === null) {
    expect(actual, path).toBeNull();
    return;
  }
  expect(Object.keys(actual!), path).toEqual(Object.keys(exact));
  for (const [k, e] of Object.entries(exact)) {
    const a = actual![k] as number;
    if (k === "min" || k === "max") expect(a, `${path}.${k}`).toBe(e);
    else if (k === "mean") expect(Math.abs(a - e), `${path}.mean`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e)));
    else expect(Math.abs(a - e), `${path}.${k}`).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR * Math.abs(e) * (1 + 1e-9) + 1e-12);
  }
}

/** The report's numbers that are not distributions, which must stay exact in histogram mode. */
function scalars(r: LifecycleReport): unknown {
  return {
    benchmark_time_seconds: r.benchmark_time_seconds,
    load: { ...r.load_summary, schedule_delay: undefined },
    count: r.successes.count,
    throughput: r.successes.throughput,
    prompt: [r.successes.prompt_tokens.total, r.successes.prompt_tokens.cached, r.successes.prompt_tokens.uncached],
    output: r.successes.output_tokens.total,
    goodput: r.successes.goodput_metrics,
    failures: [r.failures.count, r.failures.by_label],
  };
}

describe("merge of shards in histogram mode (exactCap 3)", () => {
  it("counts, rates, min and max exact; percentiles within Samples' relative error", () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const exact = shardedAndWhole(c, c.options);
        const tiny = shardedAndWhole(c, { ...c.options, exactCap: 3 });
        tiny.forEach((s, i) => {
          const a = build(s.merged, s.plan);
          const e = build(exact[i]!.whole, s.plan);
          expect(scalars(a)).toEqual(scalars(e));
          expectDistWithin(a.load_summary.schedule_delay, e.load_summary.schedule_delay, "schedule_delay");
          for (const [k, d] of Object.entries(e.successes.latency)) expectDistWithin(a.successes.latency[k as keyof typeof a.successes.latency], d, k);
          expectDistWithin(a.successes.output_len, e.successes.output_len, "output_len");
          expectDistWithin(a.failures.request_latency, e.failures.request_latency, "failures.request_latency");
        });
      }),
      { numRuns: 100 },
    );
  });
});
