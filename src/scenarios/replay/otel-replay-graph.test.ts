/**
 * The replay graphs of the two fixture traces, against what inference-perf 0.7.0's build_graph gives for them
 * (its predecessor types, waits, segments and max_tokens, printed once from the installed package; each number is
 * also checkable by hand: a segment's tokens = round(total × its characters / all characters), total = chars/4 per
 * message when the span has no usage).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildReplayGraph, markToolInternal } from "./otel-replay-graph.ts";
import { parseIsoSeconds, rawCallsOf, type OtelSpan } from "./otel-raw-calls.ts";

const FIX = new URL("../../../test/fixtures/otel-traces/", import.meta.url);
const spansOf = (f: string) => (JSON.parse(readFileSync(new URL(f, FIX), "utf8")) as { spans: OtelSpan[] }).spans;

function summary(file: string) {
  const spans = spansOf(file);
  const g = buildReplayGraph(rawCallsOf(spans, true), file);
  markToolInternal(g, spans);
  return g.events.map((e) => [e.eventId, e.dependencyTypes, e.waitMs, e.call.inputSegments.map((s) => [s.type, s.messageCount, s.tokenCount, s.sourceEventId]), e.call.expectedOutputTokens, e.isUserFacing]);
}

describe("OTel trace → replay graph (0.7.0 build_graph)", () => {
  it("fan_in_dependencies.json (upstream example): three independent questions, then a comparison that quotes all three answers", () => {
    expect(summary("fan_in_dependencies.json")).toEqual([
      ["event_000_span_001", {}, 0, [["unique", 1, 9, null]], 42, true],
      // span_002 starts at 2.5 s, after span_001 ended at 2.0 s: a temporal edge, wait 500 ms
      ["event_001_span_002", { event_000_span_001: "temporal" }, 500, [["unique", 1, 10, null]], 49, true],
      ["event_002_span_003", { event_000_span_001: "temporal" }, 1000, [["unique", 1, 8, null]], 48, true],
      [
        "event_003_span_004",
        { event_002_span_003: "full_match", event_001_span_002: "full_match", event_000_span_001: "full_match" },
        1000,
        [["shared", 1, 9, "event_000_span_001"], ["output", 1, 42, "event_000_span_001"], ["unique", 1, 10, null], ["output", 1, 49, "event_001_span_002"], ["unique", 1, 9, null], ["output", 1, 48, "event_002_span_003"], ["unique", 1, 17, null]],
        100,
        true,
      ],
    ]);
  });

  it("kneepoint_chain.json: a growing conversation, a parallel branch with usage, a fan-in", () => {
    expect(summary("kneepoint_chain.json")).toEqual([
      ["event_000_a1", {}, 0, [["unique", 2, 14, null]], 8, true],
      ["event_001_b2", { event_000_a1: "full_match" }, 250, [["shared", 2, 14, "event_000_a1"], ["output", 1, 8, "event_000_a1"], ["unique", 1, 7, null]], 8, true],
      ["event_002_c3", { event_001_b2: "full_match" }, 100, [["shared", 4, 29, "event_001_b2"], ["output", 1, 8, "event_001_b2"], ["unique", 1, 3, null]], 9, true],
      ["event_003_d4", { event_001_b2: "temporal" }, 100, [["unique", 2, 20, null]], 9, true],
      ["event_004_e5", { event_003_d4: "full_match", event_002_c3: "full_match" }, 400, [["shared", 1, 8, "event_000_a1"], ["unique", 1, 7, null], ["output", 1, 9, "event_002_c3"], ["output", 1, 9, "event_003_d4"], ["unique", 1, 4, null]], 11, true],
    ]);
  });

  it("a call nested under a tool.execution span is not user-facing", () => {
    const spans = spansOf("kneepoint_chain.json").map((s) => (s.span_id === "d4" ? { ...s, parent_span_id: "t6" } : s));
    const g = buildReplayGraph(rawCallsOf(spans, true), "x");
    markToolInternal(g, spans);
    expect(g.events.map((e) => e.isUserFacing)).toEqual([true, true, true, false, true]);
  });

  it("drops error spans unless include_errors, and duplicate spans", () => {
    const spans = spansOf("kneepoint_chain.json");
    expect(rawCallsOf([...spans, { ...spans[0]!, span_id: "z9" }], true).map((c) => c.callId)).toEqual(["a1", "b2", "c3", "d4", "e5"]);
    expect(rawCallsOf(spans.map((s) => (s.span_id === "b2" ? { ...s, status: { code: 2 } } : s)), false).map((c) => c.callId)).toEqual(["a1", "c3", "d4", "e5"]);
  });

  it("reads ISO times to the microsecond, with or without a zone", () => {
    expect(parseIsoSeconds("2026-02-25T10:00:02.500000") - parseIsoSeconds("2026-02-25T10:00:00")).toBeCloseTo(2.5, 9);
    expect(parseIsoSeconds("2026-02-25T12:00:00+02:00")).toBe(parseIsoSeconds("2026-02-25T10:00:00Z"));
    expect(parseIsoSeconds("2026-02-25T10:00:00.000001Z") - parseIsoSeconds("2026-02-25T10:00:00Z")).toBeCloseTo(1e-6, 6); // epoch seconds as a double: ~0.2 µs apart, as Python's timestamp()
  });
});
