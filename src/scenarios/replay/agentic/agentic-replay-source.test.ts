/**
 * What a synthetic_agentic call puts on the wire, as 0.7.0's to_request_body and ChatMessage.to_dict do: tools with
 * cleaned schemas, tool_choice per turn kind, ignore_eos false where tools are advertised, messages in to_dict's key
 * order, and an async report wrapped in its <task-notification>. Expected bodies written by hand.
 */
import { describe, expect, it } from "vitest";
import { createBodyWriter } from "../../data/body-writer.ts";
import { syntheticAgenticSchema } from "../../config/synthetic-agentic-schema.ts";
import { messagesToSend } from "../session-messages.ts";
import type { ToolDefinition } from "./agent-text.ts";
import type { AgenticEvent, AgenticGraph } from "./agentic-graph.ts";
import { agenticBody, agenticTokenCounter, toReplayGraph } from "./agentic-replay-source.ts";
import { cleanParameters } from "./tool-schema.ts";

const cfg = syntheticAgenticSchema.parse({ num_sessions: 1, input_tokens_per_turn: { type: "fixed", mean: 1 }, output_tokens_per_turn: { type: "fixed", mean: 1 } });
const tool = (name: string): ToolDefinition => ({ name, description: `d ${name}`, type: "function", function: { name, description: `d ${name}`, parameters: { type: "object", properties: { path: { type: "string", "x-payload-tokens": 9 } }, required: ["path"] } } });
const event = (over: Partial<AgenticEvent>): AgenticEvent => ({
  eventId: "s:e",
  messages: [{ role: "user", content: "hi" }],
  segments: [],
  predecessorEventIds: [],
  dependencyTypes: {},
  waitMs: 0,
  toolDefinitions: [tool("a"), tool("b")],
  expectedOutputIsToolCall: false,
  expectedOutputToolNames: null,
  expectedOutput: "",
  expectedOutputTokens: 7,
  ...over,
});
const graph = (events: AgenticEvent[]): AgenticGraph => ({ sessionId: "s", theme: "generic", events, rootEventIds: [] });
const writer = createBodyWriter({ api: "chat", model: "m", streaming: false, ignoreEos: true } as Parameters<typeof createBodyWriter>[0]);
const wireTool = (n: string) => ({ type: "function", function: { name: n, description: `d ${n}`, parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } } });

describe("synthetic_agentic request bodies", () => {
  it("forces the one recorded tool, sends every tool with its schema cleaned, and ignore_eos false", () => {
    const g = toReplayGraph(graph([event({ expectedOutputIsToolCall: true, expectedOutputToolNames: ["b"] })]), cfg);
    const call = g.events[0]!.call;
    expect(JSON.parse(agenticBody(writer, call.messages, 7, call))).toEqual({
      model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 7, ignore_eos: false, stream: false,
      tools: [wireTool("a"), wireTool("b")], tool_choice: { type: "function", function: { name: "b" } },
    });
    expect(g.events[0]!.isUserFacing).toBe(false);
  });

  it('says "required" for parallel calls, "none" on a text turn with tools, and nothing without tools (max_tokens 0 → 30)', () => {
    const [par, text, bare] = toReplayGraph(graph([event({ expectedOutputIsToolCall: true, expectedOutputToolNames: ["a", "b"] }), event({}), event({ toolDefinitions: [] })]), cfg).events.map((e) => e.call);
    expect(JSON.parse(agenticBody(writer, par!.messages, 7, par!)).tool_choice).toBe("required");
    expect(JSON.parse(agenticBody(writer, text!.messages, 7, text!)).tool_choice).toBe("none");
    expect(agenticBody(writer, bare!.messages, 0, bare!)).toBe('{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":30,"ignore_eos":true,"stream":false}');
  });

  it("writes messages in ChatMessage.to_dict's key order: tool_call_id before content, tool_calls without content", () => {
    const calls = [{ id: "c1", type: "function" as const, function: { name: "a", arguments: '{"path": "x"}' } }];
    const e = event({ messages: [{ role: "assistant", tool_calls: calls }, { role: "tool", tool_call_id: "c1", content: "r" }] });
    const call = toReplayGraph(graph([e]), cfg).events[0]!.call;
    const body = agenticBody(writer, call.messages, 7, call);
    expect(body).toContain('"messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"a","arguments":"{\\"path\\": \\"x\\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"r"}]');
  });

  it("under override_tool_call_max_tokens, a forced call asks max(4 × max_tokens, 4096); a text turn keeps its own", () => {
    const over = syntheticAgenticSchema.parse({ num_sessions: 1, input_tokens_per_turn: { type: "fixed", mean: 1 }, output_tokens_per_turn: { type: "fixed", mean: 1 }, override_tool_call_max_tokens: true });
    const [forcedCall, textCall] = toReplayGraph(graph([event({ expectedOutputIsToolCall: true, expectedOutputToolNames: ["a"] }), event({})]), over).events.map((e) => e.call);
    expect(JSON.parse(agenticBody(writer, forcedCall!.messages, 7, forcedCall!)).max_tokens).toBe(4096);
    expect(JSON.parse(agenticBody(writer, forcedCall!.messages, 2000, forcedCall!)).max_tokens).toBe(8000);
    expect(JSON.parse(agenticBody(writer, textCall!.messages, 7, textCall!)).max_tokens).toBe(7);
  });

  it("puts a live tool-call answer in place of the recorded one and points the tool results at the live ids", () => {
    const recorded = [
      { role: "user", content: "q" },
      { role: "assistant", content: "", tool_calls: [{ id: "r1", type: "function", function: { name: "a", arguments: "{}" } }, { id: "r2", type: "function", function: { name: "b", arguments: "{}" } }] },
      { role: "tool", content: "A", tool_call_id: "r1" },
      { role: "tool", content: "B", tool_call_id: "r2" },
    ];
    const segments = [
      { type: "shared" as const, messageCount: 1, tokenCount: 0, sourceEventId: "p" },
      { type: "output" as const, messageCount: 1, tokenCount: 0, sourceEventId: "p" },
      { type: "unique" as const, messageCount: 2, tokenCount: 0, sourceEventId: null },
    ];
    // the live answer called b then a: results are matched by the recorded names, not by position
    const live = [{ id: "L-b", type: "function", function: { name: "b", arguments: "{}" } }, { id: "L-a", type: "function", function: { name: "a", arguments: "{}" } }];
    const outcome = { outputText: "", outputMessage: { role: "assistant", content: "", tool_calls: live }, sentMessages: [{ role: "user", content: "q" }] };
    const sent = messagesToSend({ recorded, segments, outcomeOf: () => outcome, disableOutputSubstitution: false, sessionRandom: null });
    expect(sent[1]).toBe(outcome.outputMessage);
    expect(sent.slice(2).map((m) => m.tool_call_id)).toEqual(["L-a", "L-b"]);
    // a result whose recorded call the live answer did not make keeps its recorded id
    const partial = { ...outcome, outputMessage: { ...outcome.outputMessage, tool_calls: [live[0]] } };
    expect(messagesToSend({ recorded, segments, outcomeOf: () => partial, disableOutputSubstitution: false, sessionRandom: null }).slice(2).map((m) => m.tool_call_id)).toEqual(["r1", "L-b"]);
  });

  it("wraps a sub-agent's live report in the notification envelope, and keeps the placeholder when it has none", () => {
    const recorded = [{ role: "user", content: "head" }, { role: "user", content: "PLACEHOLDER_ASYNC_REPORT" }];
    const segments = [{ type: "unique" as const, messageCount: 1, tokenCount: 0, sourceEventId: null }, { type: "async_report" as const, messageCount: 1, tokenCount: 0, sourceEventId: "child" }];
    const outcome = { outputText: "done.", outputMessage: { role: "assistant", content: "done." }, sentMessages: [] };
    const sent = messagesToSend({ recorded, segments, outcomeOf: (id) => (id === "child" ? outcome : undefined), disableOutputSubstitution: false, sessionRandom: null });
    expect(sent[1]).toEqual({ role: "user", content: "<task-notification>\n<result>\ndone.\n</result>\n</task-notification>" });
    expect(messagesToSend({ recorded, segments, outcomeOf: () => undefined, disableOutputSubstitution: false, sessionRandom: null })[1]!.content).toBe("PLACEHOLDER_ASYNC_REPORT");
  });
});

describe("synthetic_agentic over anthropic_messages (0.7.0 build_anthropic_request_body)", () => {
  const anthropic = createBodyWriter({ api: "anthropic_messages", model: "m", streaming: true, ignoreEos: true } as Parameters<typeof createBodyWriter>[0]);
  it("system out of the messages, tool calls as tool_use blocks, results as tool_result blocks, tools as input_schema, the forced tool as {type: tool}", () => {
    const calls = [{ id: "c1", type: "function" as const, function: { name: "a", arguments: '{"path": "x"}' } }];
    const e = event({
      messages: [{ role: "system", content: "S" }, { role: "user", content: "hi" }, { role: "assistant", tool_calls: calls }, { role: "tool", tool_call_id: "c1", content: "r" }],
      expectedOutputIsToolCall: true,
      expectedOutputToolNames: ["b"],
    });
    const call = toReplayGraph(graph([e]), cfg).events[0]!.call;
    expect(JSON.parse(agenticBody(anthropic, call.messages, 0, call, "anthropic_messages"))).toEqual({
      model: "m",
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: [{ type: "tool_use", id: "c1", name: "a", input: { path: "x" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "c1", content: "r" }] },
      ],
      max_tokens: 30,
      stream: true,
      system: "S",
      tools: ["a", "b"].map((n) => ({ name: n, input_schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] }, description: `d ${n}` })),
      tool_choice: { type: "tool", name: "b" },
    });
  });
  it("sends no tool_choice on a text turn, {type: any} for parallel calls", () => {
    const [text, par] = toReplayGraph(graph([event({}), event({ expectedOutputIsToolCall: true, expectedOutputToolNames: ["a", "b"] })]), cfg).events.map((e) => e.call);
    expect(JSON.parse(agenticBody(anthropic, text!.messages, 7, text!, "anthropic_messages")).tool_choice).toBeUndefined();
    expect(JSON.parse(agenticBody(anthropic, par!.messages, 7, par!, "anthropic_messages")).tool_choice).toEqual({ type: "any" });
  });
});

describe("agenticTokenCounter (0.7.0 CustomTokenizer.count_tokens)", () => {
  const port = (modelMaxLength: number | null) => ({ source: "t", idRange: [0, 10] as const, modelMaxLength, encode: async (t: string) => t.split(" ").map(() => 1), decode: async () => "", specialTokenCount: async () => 1 });
  it("counts words + 1 special token, truncated at model_max_length; the raw length is neither", async () => {
    const text = "a b c d e f g h i j"; // 10 tokens
    expect(await agenticTokenCounter(port(null)).countTokens(text)).toBe(11);
    expect(await agenticTokenCounter(port(8)).countTokens(text)).toBe(8);
    expect(await agenticTokenCounter(port(8)).rawLength(text)).toBe(10);
    expect(await agenticTokenCounter(port(8)).countTokens("")).toBe(0);
  });
});

describe("cleanParameters (0.7.0 _clean_schema)", () => {
  it("drops unknown keys, types an anyOf-only schema as string, gives an object its properties, coerces additionalProperties", () => {
    expect(cleanParameters({ type: "object", title: "T", additionalProperties: { type: "string" }, properties: { title: { anyOf: [{ type: "string" }], default: 1 }, n: { type: "integer", minimum: 0 } } })).toEqual({
      type: "object",
      additionalProperties: false,
      properties: { title: { type: "string" }, n: { type: "integer" } },
    });
    expect(cleanParameters({ type: "object" })).toEqual({ type: "object", properties: {} });
  });
});
