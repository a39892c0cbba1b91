/**
 * inference-perf 0.7.0's tool-call replay rules. The fixture cases (weather_tool_call.json) are the bodies the real
 * 0.7.0 sent to kneepoint's simulator for that trace (non-streamed and streamed runs, recorded through a proxy):
 * call t1 max_tokens 4096 = max(12 × 4, 4096), ignore_eos false, tool_choice naming get_weather; t3 max_tokens 14,
 * ignore_eos false, tool_choice "none"; t4 unchanged (max_tokens 10, ignore_eos true, no tools); t3's messages hold
 * t1's live `{"role": "assistant", "tool_calls": [...]}` and the role:tool message with the live call's id. The
 * _clean_schema and _detect_bad_tool_calls cases were checked against 0.7.0's own functions on the same input.
 */
import { describe, expect, it } from "vitest";
import {
  cleanToolSchema,
  liveAnswerOfJson,
  liveAnswerOfSse,
  malformedToolCalls,
  rewriteToolCallIds,
  toolCallRequestFields,
  toolsBody,
  wireMessage,
  type ToolAwareMessage,
  type WireToolCall,
} from "./tool-call-replay.ts";

const WEATHER_DEF = { type: "function", name: "get_weather", description: "Current weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const FORCE = { overrideToolCallMaxTokens: true, toolChoiceMode: "force_recorded" as const };
const call = (id: string, name: string, args = "{}"): WireToolCall => ({ id, type: "function", function: { name, arguments: args } });

describe("toolCallRequestFields (to_request_body)", () => {
  it("the fixture's three calls, as the real 0.7.0 sent them", () => {
    const t1 = toolCallRequestFields({ expectedOutputIsToolCall: true, expectedToolNames: ["get_weather"], toolDefinitions: [WEATHER_DEF] }, { maxTokens: 12, ignoreEos: true }, FORCE);
    expect(t1).toEqual({ maxTokens: 4096, ignoreEos: false, toolChoice: { type: "function", function: { name: "get_weather" } } });
    const t3 = toolCallRequestFields({ expectedOutputIsToolCall: false, expectedToolNames: null, toolDefinitions: [WEATHER_DEF] }, { maxTokens: 14, ignoreEos: true }, FORCE);
    expect(t3).toEqual({ maxTokens: 14, ignoreEos: false, toolChoice: "none" });
    const t4 = toolCallRequestFields({ expectedOutputIsToolCall: false, expectedToolNames: null, toolDefinitions: null }, { maxTokens: 10, ignoreEos: true }, FORCE);
    expect(t4).toEqual({ maxTokens: 10, ignoreEos: true, toolChoice: null });
  });

  it('"required" for several recorded calls, a name not advertised, or nested definitions (0.7.0 reads a top-level name only)', () => {
    const turn = (names: string[], defs: Array<Record<string, unknown>>) => toolCallRequestFields({ expectedOutputIsToolCall: true, expectedToolNames: names, toolDefinitions: defs }, { maxTokens: 2000, ignoreEos: true }, FORCE);
    expect(turn(["get_weather", "get_weather"], [WEATHER_DEF]).toolChoice).toBe("required");
    expect(turn(["other"], [WEATHER_DEF]).toolChoice).toBe("required");
    expect(turn(["get_weather"], [{ type: "function", function: { name: "get_weather" } }]).toolChoice).toBe("required");
    expect(turn(["get_weather"], [WEATHER_DEF]).maxTokens).toBe(8000); // 2000 × 4 > 4096
  });

  it("override_tool_call_max_tokens false keeps the recorded length; as_recorded sends no tool_choice, ignore_eos still false", () => {
    const turn = { expectedOutputIsToolCall: true, expectedToolNames: ["get_weather"], toolDefinitions: [WEATHER_DEF] };
    expect(toolCallRequestFields(turn, { maxTokens: 12, ignoreEos: true }, { overrideToolCallMaxTokens: false, toolChoiceMode: "force_recorded" }).maxTokens).toBe(12);
    expect(toolCallRequestFields(turn, { maxTokens: 12, ignoreEos: true }, { overrideToolCallMaxTokens: true, toolChoiceMode: "as_recorded" })).toEqual({ maxTokens: 4096, ignoreEos: false, toolChoice: null });
    const text = { expectedOutputIsToolCall: false, expectedToolNames: null, toolDefinitions: [WEATHER_DEF] };
    expect(toolCallRequestFields(text, { maxTokens: 14, ignoreEos: true }, { overrideToolCallMaxTokens: true, toolChoiceMode: "as_recorded" })).toEqual({ maxTokens: 14, ignoreEos: false, toolChoice: null });
  });
});

describe("tools in the body (apis/chat.py)", () => {
  it("the fixture's flat definition becomes the tools 0.7.0 sent, key for key", () => {
    expect(JSON.stringify(toolsBody([WEATHER_DEF]))).toBe(
      '[{"type":"function","function":{"name":"get_weather","description":"Current weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]',
    );
    expect(toolsBody([{ type: "function", function: { name: "f" } }])).toEqual([{ type: "function", function: { name: "f", description: null, parameters: null } }]);
  });

  it("_clean_schema: unknown keys dropped, anyOf/oneOf collapsed, additionalProperties a boolean, objects get properties", () => {
    const schema = {
      type: "object",
      title: "Args",
      properties: {
        a: { anyOf: [{ type: "string" }, { type: "null" }], default: null },
        b: { type: "integer", minimum: 0, oneOf: [{ const: 1 }] },
        title: { type: "string", description: "a property named like a keyword" },
        m: { type: "object", additionalProperties: true },
      },
      additionalProperties: { type: "string" },
    };
    expect(JSON.stringify(cleanToolSchema(schema))).toBe(
      '{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"},"title":{"type":"string","description":"a property named like a keyword"},"m":{"type":"object","additionalProperties":true,"properties":{}}},"additionalProperties":false}',
    );
  });
});

describe("messages on the wire and live answers (process_response)", () => {
  it("ChatMessage.to_dict's keys: tool_call_id after role, content dropped beside tool calls when null, else \"\"", () => {
    expect(JSON.stringify(wireMessage({ role: "tool", content: "18 C, cloudy, light wind", tool_call_id: "chatcmpl-tool-1" }))).toBe('{"role":"tool","tool_call_id":"chatcmpl-tool-1","content":"18 C, cloudy, light wind"}');
    expect(JSON.stringify(wireMessage({ role: "assistant", content: null, tool_calls: [call("c1", "f")] }))).toBe('{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}');
    expect(wireMessage({ role: "assistant", content: null })).toEqual({ role: "assistant", content: "" });
  });

  it("a non-streamed tool-call answer (content \"\") gives {role, tool_calls}; text gives {role, content}; no choices gives none", () => {
    const live = call("chatcmpl-tool-9", "get_weather", '{"city":"x"}');
    expect(liveAnswerOfJson({ choices: [{ message: { content: "", tool_calls: [live] } }] })).toEqual({ outputText: "", outputMessage: { role: "assistant", tool_calls: [live] }, toolNames: ["get_weather"] });
    expect(liveAnswerOfJson({ choices: [{ message: { content: "Sure.", tool_calls: [live] } }] }).outputMessage).toEqual({ role: "assistant", tool_calls: [live], content: "Sure." });
    expect(liveAnswerOfJson({ choices: [{ message: { content: "Dry.", tool_calls: [] } }] })).toEqual({ outputText: "Dry.", outputMessage: { role: "assistant", content: "Dry." }, toolNames: [] });
    expect(liveAnswerOfJson({ choices: [] })).toEqual({ outputText: "", outputMessage: null, toolNames: [] });
  });

  it("streamed deltas assemble by index: id, type and name from the first, arguments concatenated", () => {
    const payloads = [
      '{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}',
      '{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"A","type":"function","index":0,"function":{"name":"get_weather","arguments":"{\\"ci"}}]}}]}',
      '{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"B","type":"function","index":1,"function":{"name":"noop","arguments":""}}]}}]}',
      '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\\":\\"x\\"}"}}]}}]}',
      '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"finish_reason":"stop"}]}',
      '{"choices":[],"usage":{"completion_tokens":5}}',
      "[DONE]",
    ];
    expect(liveAnswerOfSse(payloads)).toEqual({ outputText: "", outputMessage: { role: "assistant", tool_calls: [call("A", "get_weather", '{"city":"x"}'), call("B", "noop", "{}")] }, toolNames: ["get_weather", "noop"] });
    expect(liveAnswerOfSse(['{"choices":[{"delta":{"content":"It is "}}]}', '{"choices":[{"delta":{"content":"dry."}}]}']).outputMessage).toEqual({ role: "assistant", content: "It is dry." });
  });
});

describe("rewriteToolCallIds (the substitution post-pass)", () => {
  const tool = (id: string): ToolAwareMessage => ({ role: "tool", tool_call_id: id, content: "r" });
  const ids = (ms: ToolAwareMessage[]) => ms.map((m) => m.tool_call_id ?? m.role);

  it("the fixture: the one role:tool message takes the live call's id", () => {
    const msgs: ToolAwareMessage[] = [{ role: "user", content: "q" }, { role: "assistant", tool_calls: [call("chatcmpl-tool-L", "get_weather")] }, tool("call_w1")];
    expect(ids(rewriteToolCallIds(msgs, 1, [call("chatcmpl-tool-L", "get_weather")], ["get_weather"]))).toEqual(["user", "assistant", "chatcmpl-tool-L"]);
  });

  it("paired by recorded name, each live call used once; unmatched keeps its id; messages past the recorded count untouched", () => {
    const msgs: ToolAwareMessage[] = [{ role: "assistant" }, tool("r1"), { role: "user", content: "x" }, tool("r2"), tool("r3"), tool("r4")];
    const live = [call("B", "b"), call("A", "a")];
    expect(ids(rewriteToolCallIds(msgs, 0, live, ["a", "b", "c"]))).toEqual(["assistant", "A", "user", "B", "r3", "r4"]);
    expect(ids(rewriteToolCallIds(msgs, 0, live, []))).toEqual(["assistant", "B", "user", "A", "r3", "r4"]); // no names recorded: by position
    expect(ids(msgs)).toEqual(["assistant", "r1", "user", "r2", "r3", "r4"]); // the input is not changed
  });

  it("malformedToolCalls: the calls whose arguments are not JSON", () => {
    expect(malformedToolCalls([call("1", "a", '{"x": 1}'), call("2", "b", '{"x": <|im_end|>'), call("3", "c", "")])).toEqual([[1, "b"], [2, "c"]]);
    expect(malformedToolCalls(null)).toEqual([]);
  });
});
