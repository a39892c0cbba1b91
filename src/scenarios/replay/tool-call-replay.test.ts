/**
 * inference-perf 0.7.0's tool-call replay rules. The fixture cases (weather_tool_call.json) are the bodies the real
 * 0.7.0 sent to kneepoint's simulator for that trace (non-streamed and streamed runs, recorded through a proxy):
 * call t1 max_tokens 4096 = max(12 × 4, 4096), ignore_eos false, tool_choice naming get_weather; t3 max_tokens 14,
 * ignore_eos false, tool_choice "none"; t4 unchanged (max_tokens 10, ignore_eos true, no tools); t3's messages hold
 * t1's live `{"role": "assistant", "tool_calls": [...]}` and the role:tool message with the live call's id. The
 * _clean_schema cases were checked against 0.7.0's own function on the same input.
 */
import { describe, expect, it } from "vitest";
import {
  cleanToolSchema,
  toolCallRequestFields,
  toolsBody,
  wireMessage,
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

describe("messages on the wire", () => {
  it("ChatMessage.to_dict's keys: tool_call_id after role, content dropped beside tool calls when null, else \"\"", () => {
    expect(JSON.stringify(wireMessage({ role: "tool", content: "18 C, cloudy, light wind", tool_call_id: "chatcmpl-tool-1" }))).toBe('{"role":"tool","tool_call_id":"chatcmpl-tool-1","content":"18 C, cloudy, light wind"}');
    expect(JSON.stringify(wireMessage({ role: "assistant", content: null, tool_calls: [call("c1", "f")] }))).toBe('{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}');
    expect(wireMessage({ role: "assistant", content: null })).toEqual({ role: "assistant", content: "" });
  });
});
