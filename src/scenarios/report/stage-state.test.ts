/**
 * StageState by hand: the five records of build-lifecycle-report.test.ts split into states and merged give the
 * report of all five; options that differ refuse to merge; error labels and messages merge in first-seen order;
 * the JSON form round-trips and names a bad field.
 */
import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import type { ScenarioRecord } from "../types.ts";
import { buildLifecycleReport, buildLifecycleReportFromState, foldStageState, stageStateOptionsOf } from "./build-lifecycle-report.ts";
import { addScenarioRecord, createStageState, mergeStageStates, type StageStateOptions } from "./stage-state.ts";
import { stageStateFromJson, stageStateToJson } from "./stage-state-json.ts";

const A = scenarioRecord({ index: 0, scheduledMs: 1000, sendMs: 1001, chunkTimesMs: [1101, 1111, 1121, 1131], endMs: 1140, plannedPromptTokens: 9, promptTokens: 10, completionTokens: 4 });
const B = scenarioRecord({ index: 1, scheduledMs: 1500, sendMs: 1503, chunkTimesMs: [1553, 1573], endMs: 1580, plannedPromptTokens: 20, completionTokens: 3 });
const C = scenarioRecord({ index: 2, scheduledMs: 2000, sendMs: 2000.5, chunkTimesMs: [2200], endMs: 2210, promptTokens: 5, completionTokens: 1 });
const D = scenarioRecord({
  index: 3,
  scheduledMs: 2500,
  sendMs: 2502,
  endMs: 2530,
  error: { reason: "http", status: 503, message: 'HTTP 503: {"error":{"message":"overloaded","type":"ServiceUnavailable"}}' },
});
const E = scenarioRecord({ index: 4, scheduledMs: 3000, sendMs: 3001, endMs: 3100, error: { reason: "timeout", message: "no complete answer within 99 ms" } });

const REPORT = { percentiles: [50, 90], maxErrorMessages: 100, useServerOutputTokens: false, goodput: { ttft: 0.08 } };
const OPTIONS: StageStateOptions = stageStateOptionsOf(REPORT);
const STAGE = { kind: "constant", rate: 2, durationS: 2 } as const;
const fold = (records: readonly ScenarioRecord[], o: StageStateOptions = OPTIONS) => foldStageState(records, o, {});
const build = (s: ReturnType<typeof fold>) => buildLifecycleReportFromState(s.core, { percentiles: [50, 90], goodput: s.options.goodput, stage: STAGE });

describe("mergeStageStates", () => {
  it("two shards of the five records (interleaved) merge into the report of all five, whatever the merge order", () => {
    const whole = buildLifecycleReport([A, B, C, D, E], { ...REPORT, stage: STAGE });
    expect(build(mergeStageStates([fold([A, C, E]), fold([B, D])]))).toEqual(whole);
    // D's label first seen at 2530, E's at 3100: equal counts keep that order whichever state comes first.
    const swapped = build(mergeStageStates([fold([B, D]), fold([A, C, E])]));
    expect(Object.keys(swapped.failures.by_label)).toEqual(["503 - Service Unavailable", "Timeout"]);
    expect(swapped).toEqual(whole);
  });

  it("a state merged alone is the same state; empty states change nothing", () => {
    const one = fold([A, B, C, D, E]);
    expect(build(mergeStageStates([one]))).toEqual(build(one));
    expect(build(mergeStageStates([fold([]), one, fold([])]))).toEqual(build(one));
  });

  it("refuses states made with other options, naming them", () => {
    const other = fold([A], { ...OPTIONS, useServerOutputTokens: true, goodput: null });
    expect(() => mergeStageStates([fold([B]), other])).toThrow(/useServerOutputTokens \(false vs true\).*goodput constraints/);
  });

  it("keeps the first max_error_messages distinct messages of the merged records, in first-seen order", () => {
    const err = (endMs: number, msg: string) => scenarioRecord({ scheduledMs: 0, sendMs: endMs - 1, endMs, error: { reason: "http", status: 500, message: `HTTP 500: ${msg}` } });
    const o = { ...OPTIONS, maxErrorMessages: 2 };
    // one process: m1 (10), m2 (20), m3 (30), m1 (40), m4 (50) → keeps m1, m2
    const a = fold([err(20, "m2"), err(50, "m4")], o);
    const b = fold([err(10, "m1"), err(30, "m3"), err(40, "m1")], o);
    const merged = build(mergeStageStates([a, b])).failures.by_label;
    expect(merged).toEqual({ "500 - Internal Server Error": { count: 5, messages: [{ message: "m1" }, { message: "m2" }] } });
    expect(merged).toEqual(build(fold([err(10, "m1"), err(20, "m2"), err(30, "m3"), err(40, "m1"), err(50, "m4")], o)).failures.by_label);
  });

  it("adapters: per-adapter sub-states of the successes, in first-seen order", () => {
    const o = { ...OPTIONS, perAdapter: true };
    const adapterOf = new Map<ScenarioRecord, string>([[A, "x"], [B, "y"], [C, "x"], [D, "x"]]);
    const ctx = { loraAdapter: (r: ScenarioRecord) => adapterOf.get(r) ?? null };
    const s1 = createStageState(o);
    for (const r of [B, D]) addScenarioRecord(s1, r, ctx);
    const s2 = createStageState(o);
    for (const r of [A, C, E]) addScenarioRecord(s2, r, ctx);
    const merged = mergeStageStates([s1, s2]);
    // x first seen at 1140 (A), y at 1580 (B); D failed: in no adapter.
    expect(merged.adapters.map((a) => [a.adapter, a.state.count])).toEqual([["x", 2], ["y", 1]]);
  });
});

describe("shards on their own clocks (epochOffsetMs)", () => {
  it("a shard whose monotonic clock is 10 s behind merges onto the shared clock: same window, latencies to rounding", () => {
    const shift = (r: ScenarioRecord, d: number): ScenarioRecord => ({ ...r, sendMs: r.sendMs - d, scheduledMs: r.scheduledMs - d, endMs: r.endMs - d, chunkTimesMs: r.chunkTimesMs.map((t) => t - d) });
    const behind = foldStageState([B, D].map((r) => shift(r, 10_000)), OPTIONS, { epochOffsetMs: 10_000 });
    const merged = build(mergeStageStates([fold([A, C, E]), behind]));
    const whole = buildLifecycleReport([A, B, C, D, E], { ...REPORT, stage: STAGE });
    expect(merged.benchmark_time_seconds).toBeCloseTo(whole.benchmark_time_seconds, 12);
    expect(merged.load_summary.achieved_rate).toBeCloseTo(whole.load_summary.achieved_rate!, 9);
    expect(merged.successes.latency.request_latency!.p90).toBeCloseTo(whole.successes.latency.request_latency!.p90!, 12);
    expect(merged.successes.goodput_metrics!.request_goodput).toBeCloseTo(whole.successes.goodput_metrics!.request_goodput, 9);
    expect(Object.keys(merged.failures.by_label)).toEqual(Object.keys(whole.failures.by_label));
  });
});

describe("stage state JSON", () => {
  it("round-trips to a state that builds the same report, and through merge", () => {
    const s = fold([A, B, C, D, E]);
    const back = stageStateFromJson(JSON.parse(JSON.stringify(stageStateToJson(s))), "shard-0/stage_0.json");
    expect(build(back)).toEqual(build(s));
    expect(stageStateToJson(back)).toEqual(stageStateToJson(s));
    const empty = stageStateFromJson(JSON.parse(JSON.stringify(stageStateToJson(fold([])))), "x");
    expect(empty.core.minSendEpochMs).toBe(Infinity);
  });

  it("names the file and the field of a bad document", () => {
    const json = stageStateToJson(fold([A])) as { core: { successes: { count: unknown } } };
    json.core.successes.count = -1;
    expect(() => stageStateFromJson(json, "shard-1/stage_0.json")).toThrow(/^shard-1\/stage_0\.json: core\.successes\.count: /);
    const bad = stageStateToJson(fold([A])) as { core: { successes: { ttftS: unknown } } };
    bad.core.successes.ttftS = { version: 1 };
    expect(() => stageStateFromJson(bad, "s.json")).toThrow(/^s\.json: core\.successes\.ttftS: /);
    expect(() => stageStateFromJson({ kind: "other" }, "s.json")).toThrow(/^s\.json: kind: /);
  });
});
