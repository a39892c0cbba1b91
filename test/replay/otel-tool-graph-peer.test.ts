/**
 * Replay graphs of OTel traces with tool calls, kneepoint's (rawCallsOf + buildReplayGraph) against the real
 * inference-perf 0.7.0's (build_raw_calls + build_graph, printed with graph_to_dict): dependency types, waits,
 * segments, token counts, the wire messages, the flattened expected output, and the tool-call fields. The traces: the
 * tool-call fixture, and traces written here so each of 0.7.0's matching rules decides one edge (tool-call ids when
 * the texts differ, split parts, content with each call, content dropped), with tool results in parts and in lists,
 * developer messages, OTel parts on input messages, content lists, and a recorded tool call with no tool definitions. Under CI=true a missing inference-perf fails.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { rawCallsOf, type OtelSpan } from "../../src/scenarios/replay/otel-raw-calls.ts";
import { buildReplayGraph } from "../../src/scenarios/replay/otel-replay-graph.ts";
import type { ReplayMessage } from "../../src/scenarios/replay/replay-graph.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/otel-traces/tool-calls/weather_tool_call.json", import.meta.url));
const SCRIPT = `
import json, sys
from inference_perf.datagen.replay.otel_trace_to_replay_graph import build_raw_calls, build_graph, graph_to_dict
for path in sys.argv[1:]:
    calls, _ = build_raw_calls(json.load(open(path))["spans"], True)
    print(json.dumps(graph_to_dict(build_graph(calls, path))))
`;

const DEFS = [{ type: "function", name: "lookup", description: "Look a word up", parameters: { type: "object", properties: { q: { type: "string" } } } }];
let clock = 0;
/** A chat span starting 1 s after the previous one, lasting 0.5 s. */
function span(id: string, input: unknown[], output: { text?: string; parts?: unknown[] }, defs: unknown[] | null = DEFS): OtelSpan {
  const t = (s: number) => new Date(Date.UTC(2026, 2, 2, 10, 0, 0) + s * 1000).toISOString();
  clock += 1;
  const attributes: Record<string, unknown> = { "gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.input.messages": JSON.stringify(input) };
  if (output.text !== undefined) attributes["gen_ai.output.text"] = output.text;
  if (output.parts) attributes["gen_ai.output.messages"] = JSON.stringify([{ role: "assistant", parts: output.parts }]);
  if (defs) attributes["gen_ai.tool.definitions"] = JSON.stringify(defs);
  return { span_id: id, trace_id: "t", name: "chat m", start_time: t(clock), end_time: t(clock + 0.5), attributes, status: { code: 1 } };
}
const sys = { role: "developer", content: "You look words up." };
const user = (content: string) => ({ role: "user", content });
/** A recorded call; its arguments spaced as Python's json.dumps (the text of the output part), or compact. */
const call = (id: string, q: string, compact = false) => ({ id, type: "function", function: { name: "lookup", arguments: compact ? JSON.stringify({ q }) : `{"q": "${q}"}` } });
const part = (id: string, q: string) => ({ type: "tool_call", id, name: "lookup", arguments: { q } });

/** Each trace is a list of spans; each exercises one rule (named in the key). */
function traces(): Record<string, OtelSpan[]> {
  clock = 0;
  const ids = [
    // output parts call "a1" with {"q": "cat"}; the successor records it with compact arguments (other text) and
    // the same id, its result as an Anthropic-style user message with a tool_call_response part
    span("s1", [sys, user("cat?")], { parts: [part("a1", "cat")] }),
    span("s2", [sys, user("cat?"), { role: "assistant", tool_calls: [call("a1", "cat", true)] }, { role: "user", content: [{ type: "tool_call_response", id: "a1", response: "a small feline" }] }], { text: "A cat is a small feline." }),
    span("s3", [sys, user("cat?"), { role: "assistant", tool_calls: [call("a1", "cat", true)] }, { role: "user", content: [{ type: "tool_call_response", id: "a1", response: "a small feline" }] }, { role: "assistant", content: "A cat is a small feline." }, user("dog?")], { parts: [part("a2", "dog")] }, null),
  ];
  clock = 0;
  const split = [
    // text + two calls, the successor has each as its own message (ids differ: only the texts match)
    span("p1", [user("two words")], { parts: [{ type: "text", content: "Looking both up." }, part("x1", "sun"), part("x2", "moon")] }),
    span("p2", [user("two words"), { role: "assistant", content: "Looking both up." }, { role: "assistant", content: null, tool_calls: [call("y1", "sun")] }, { role: "tool", tool_call_id: "y1", content: "a star" }, { role: "assistant", tool_calls: [call("y2", "moon")] }, { role: "tool", tool_call_id: "y2", content: "a satellite" }], { text: "Sun: a star; moon: a satellite." }),
  ];
  clock = 0;
  const combined = [
    // the text repeated with each call ("content\ncall")
    span("c1", [user("two words")], { parts: [{ type: "text", content: "Looking both up." }, part("x1", "sun"), part("x2", "moon")] }),
    span("c2", [user("two words"), { role: "assistant", content: "Looking both up.", tool_calls: [call("y1", "sun")] }, { role: "tool", tool_call_id: "y1", content: "a star" }, { role: "assistant", content: "Looking both up.", tool_calls: [call("y2", "moon")] }, { role: "tool", tool_call_id: "y2", content: "a satellite" }], { text: "Both found." }),
  ];
  clock = 0;
  const dropped = [
    // the text dropped, the calls kept; results as a text list
    span("d1", [user("two words")], { parts: [{ type: "text", content: "Looking both up." }, part("x1", "sun"), part("x2", "moon")] }),
    span("d2", [user("two words"), { role: "assistant", tool_calls: [call("y1", "sun")] }, { role: "tool", tool_call_id: "y1", content: [{ type: "text", text: "a " }, { type: "text", text: "star" }] }, { role: "assistant", tool_calls: [call("y2", "moon")] }, { role: "tool", tool_call_id: "y2", content: "a satellite" }], { text: "Both found." }),
  ];
  clock = 0;
  const shapes = [
    // message shapes: OTel parts on input messages (text, tool call with object arguments, tool_call_response), content
    // lists (text blocks, an image, tool_use, a tool_result with is_error), the direct {id, name, arguments} call
    // shape, content beside tool calls; m1's output flattens to m2's assistant message (full_match), the non-ASCII
    // arguments escaped as json.dumps escapes them
    span("m1", [sys, { role: "user", parts: [{ type: "text", content: "Define ünïcode." }] }], { parts: [{ type: "text", content: "One moment." }, part("u1", "ünïcode")] }),
    span(
      "m2",
      [
        sys,
        { role: "user", parts: [{ type: "text", content: "Define ünïcode." }] },
        { role: "assistant", parts: [{ type: "text", content: "One moment." }, { type: "tool_call", id: "u1", name: "lookup", arguments: { q: "ünïcode" } }] },
        { role: "tool", parts: [{ type: "tool_call_response", id: "u1", response: "a character set" }] },
        { role: "user", content: [{ type: "text", text: "And " }, { type: "image_url", image_url: { url: "data:x" } }, { type: "text", text: "this?" }] },
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "u2", name: "lookup", arguments: { q: "this" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "u2", content: "unknown", is_error: true }, { type: "tool_use", name: "lookup", input: { q: "again" } }] },
      ],
      { parts: [{ type: "text", content: "Done." }, part("u3", "x")] },
    ),
  ];
  return { ids, split, combined, dropped, shapes, fixture: (JSON.parse(readFileSync(FIXTURE, "utf8")) as { spans: OtelSpan[] }).spans };
}

/** The wire message as 0.7.0's graph holds it: content left out beside tool calls when empty. */
const wire = (m: ReplayMessage) => {
  const { content, ...rest } = m;
  return m.tool_calls && content === "" ? rest : m;
};

function ours(spans: OtelSpan[], file: string) {
  const g = buildReplayGraph(rawCallsOf(spans, true), file);
  return g.events.map((e) => ({
    id: e.eventId,
    deps: e.dependencyTypes,
    wait: e.waitMs,
    segments: e.call.inputSegments.map((s) => [s.type, s.messageCount, s.tokenCount, s.sourceEventId]),
    tokens: [e.call.totalInputTokens, e.call.expectedOutputTokens],
    messages: e.call.messages.map(wire),
    expected: e.call.expectedOutput,
    tool: [e.call.toolDefinitions ?? null, e.call.expectedOutputIsToolCall ?? false, e.call.expectedOutputToolNames ?? null],
  }));
}

type PyEvent = { event_id: string; predecessor_dependency_types: Record<string, string>; wait_ms: number; call: Record<string, unknown> };
function theirs(graph: { events: Record<string, PyEvent> }) {
  return Object.values(graph.events).map((e) => {
    const c = e.call as { input_segments: Array<{ type: string; message_count: number; token_count: number; source_event_id?: string }>; total_input_tokens: number; expected_output_tokens: number; messages: unknown[]; expected_output: string; tool_definitions?: unknown; expected_output_is_tool_call?: boolean; expected_output_tool_names?: string[] };
    return {
      id: e.event_id,
      deps: e.predecessor_dependency_types,
      wait: e.wait_ms,
      segments: c.input_segments.map((s) => [s.type, s.message_count, s.token_count, s.source_event_id ?? null]),
      tokens: [c.total_input_tokens, c.expected_output_tokens],
      messages: c.messages,
      expected: c.expected_output,
      tool: [c.tool_definitions ?? null, c.expected_output_is_tool_call ?? false, c.expected_output_tool_names ?? null],
    };
  });
}

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`OTel traces with tool calls → replay graph, as inference-perf ${INFERENCE_PERF_NEWEST} builds it`, () => {
  const all = traces();
  const files = new Map<string, string>();
  const peer = new Map<string, ReturnType<typeof theirs>>();
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-otel-tool-graph-"));
    writeFileSync(join(dir, "graph.py"), SCRIPT);
    for (const [name, spans] of Object.entries(all)) {
      files.set(name, join(dir, `${name}.json`));
      writeFileSync(files.get(name)!, JSON.stringify({ spans }));
    }
    const run = await runChild(peerBin(INFERENCE_PERF_NEWEST, "python"), [join(dir, "graph.py"), ...files.values()], { cwd: dir, env: { ...process.env }, timeoutMs: 60_000 });
    if (run.code !== 0) throw new Error(`0.7.0's build_graph failed (exit ${run.code}):\n${tail(run.stderr + run.stdout, 30)}`);
    const lines = run.stdout.trim().split("\n");
    [...files.keys()].forEach((name, i) => peer.set(name, theirs(JSON.parse(lines[i]!))));
  }, 90_000);

  it.each([
    ["fixture", ["full_match", "full_match"]],
    ["ids", ["tool_call_ids_matched", "full_match"]],
    ["split", ["split_parts_matched"]],
    ["combined", ["content_and_split_tools_match"]],
    ["dropped", ["drop_content_split_parts"]],
    ["shapes", ["full_match"]],
  ])("%s: the same graph (causal edges: %j)", (name, edges) => {
    const mine = ours(all[name]!, files.get(name)!);
    expect(mine).toEqual(peer.get(name));
    expect(mine.flatMap((e) => Object.values(e.deps)).filter((d) => d !== "temporal")).toEqual(edges);
  });

  it("a recorded tool call with no tool definitions is taken as text (ids, s3)", () => {
    const s3 = ours(all.ids!, files.get("ids")!)[2]!;
    expect(s3.tool).toEqual([null, false, ["lookup"]]);
    expect(s3.expected).toBe('<|tool_call|>lookup<|tool_args|>{"q": "dog"}<|end|>');
  });
});
