import { describe, expect, it } from "vitest";
import { isApiError } from "./api-error.ts";
import { readToolChoice, toolCallDelta, toolCallsOf, toolFinishReason, type ToolCallRequest } from "./tool-choice.ts";

const PARAMS = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const TOOLS = [{ type: "function", function: { name: "get_weather", parameters: PARAMS } }, { type: "function", function: { name: "noop" } }];
const named = (name: string) => ({ type: "function", function: { name } });
const read = (fields: Record<string, unknown>, stream = false) => readToolChoice(fields, stream);
const message = (r: unknown) => (isApiError(r) ? `${r.status} ${r.param}: ${r.message}` : r);

describe("readToolChoice (vLLM's request rules for a server without --enable-auto-tool-choice)", () => {
  it("a named tool: its parameters schema is the answer's format; a tool without parameters gets an empty object schema", () => {
    expect(read({ tools: TOOLS, tool_choice: named("get_weather") })).toEqual({ kind: "named", name: "get_weather", format: { kind: "json_schema", schema: PARAMS } });
    expect(read({ tools: TOOLS, tool_choice: named("noop") })).toEqual({ kind: "named", name: "noop", format: { kind: "json_schema", schema: { type: "object", properties: {} } } });
  });

  it('"required": an array of {name, parameters} constrained by every tool (vLLM\'s schema)', () => {
    const r = read({ tools: TOOLS, tool_choice: "required" }) as ToolCallRequest;
    expect(r.kind).toBe("required");
    expect(r.format).toEqual({
      kind: "json_schema",
      schema: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          anyOf: [
            { properties: { name: { type: "string", enum: ["get_weather"] }, parameters: PARAMS }, required: ["name", "parameters"] },
            { properties: { name: { type: "string", enum: ["noop"] }, parameters: { type: "object", properties: {} } }, required: ["name", "parameters"] },
          ],
        },
      },
    });
  });

  it('text answers: no tools, "none" (tools unchecked, as vLLM), null, "required" with an empty tool list', () => {
    expect(read({})).toBeNull();
    expect(read({ tools: TOOLS, tool_choice: "none" })).toBeNull();
    expect(read({ tools: "garbage", tool_choice: "none" })).toBeNull();
    expect(read({ tools: TOOLS, tool_choice: null })).toBeNull();
    expect(read({ tools: [], tool_choice: "required" })).toBeNull();
    expect(read({ tools: [] })).toBeNull();
  });

  it("400s with vLLM's messages, each naming the field", () => {
    expect(message(read({ tools: TOOLS }))).toMatch(/^400 tool_choice: "auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set/);
    expect(message(read({ tools: TOOLS, tool_choice: "auto" }))).toMatch(/^400 tool_choice: "auto" tool choice requires/);
    expect(message(read({ tool_choice: named("get_weather") }))).toBe("400 tool_choice: When using `tool_choice`, `tools` must be set.");
    expect(message(read({ tools: TOOLS, tool_choice: named("other") }))).toBe("400 tool_choice: The tool specified in `tool_choice` does not match any of the specified `tools`");
    expect(message(read({ tools: TOOLS, tool_choice: "any" }))).toBe('400 tool_choice: Invalid value for `tool_choice`: "any"! Only named tools, "none", "auto" or "required" are supported.');
    expect(message(read({ tools: TOOLS, tool_choice: { type: "function" } }))).toMatch(/^400 tool_choice: Invalid value for `function`: `null` in `tool_choice`! Correct usage/);
    expect(message(read({ tools: [{ type: "function", function: {} }], tool_choice: "required" }))).toBe("400 tools: tools[0].function.name must be a non-empty string");
    expect(message(read({ tools: TOOLS, tool_choice: "required" }, true))).toMatch(/^400 tool_choice: the simulator does not stream tool_choice "required"/);
    // a parameters schema structured outputs cannot compile is vLLM's grammar 400, on `tools`
    expect(message(read({ tools: [{ type: "function", function: { name: "f", parameters: { type: "object", patternProperties: {} } } }], tool_choice: named("f") }))).toBe(
      "400 tools: The provided JSON schema contains features not supported by xgrammar.",
    );
  });
});

describe("tool calls on the wire", () => {
  it("named: the generated text is the arguments, as is (even cut short by max_tokens)", () => {
    const r: ToolCallRequest = { kind: "named", name: "get_weather", format: { kind: "json_object" } };
    expect(toolCallsOf(r, '{"city":"x', () => "id1")).toEqual([{ id: "id1", type: "function", function: { name: "get_weather", arguments: '{"city":"x' } }]);
    expect(toolFinishReason(r, "stop")).toBe("stop");
    expect(toolFinishReason(r, "length")).toBe("length");
  });

  it("required: the array parsed into calls whose arguments are Python's json.dumps of parameters; unparsable text has none", () => {
    const r: ToolCallRequest = { kind: "required", name: "", format: { kind: "json_object" } };
    let n = 0;
    const ids = () => `id${++n}`;
    const text = '[{"name":"get_weather","parameters":{"city":"Paris","days":[1,2],"opts":{"u":"C","x":null}}},{"name":"noop","parameters":{}}]';
    expect(toolCallsOf(r, text, ids)).toEqual([
      { id: "id1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris", "days": [1, 2], "opts": {"u": "C", "x": null}}' } },
      { id: "id2", type: "function", function: { name: "noop", arguments: "{}" } },
    ]);
    expect(toolCallsOf(r, '[{"name":"get_w', ids)).toEqual([]);
    expect(toolFinishReason(r, "stop")).toBe("tool_calls");
    expect(toolFinishReason(r, "length")).toBe("length");
  });

  it("streamed deltas: the first carries id, type and name (vLLM's DeltaToolCall field order), the next ones arguments only", () => {
    expect(toolCallDelta('"{\\""', { id: "chatcmpl-tool-ab", name: "get_weather" })).toBe(
      '{"tool_calls":[{"id":"chatcmpl-tool-ab","type":"function","index":0,"function":{"name":"get_weather","arguments":"{\\""}}]}',
    );
    expect(toolCallDelta('"city"', null)).toBe('{"tool_calls":[{"index":0,"function":{"arguments":"city"}}]}');
    expect(JSON.parse(toolCallDelta('"a"', { id: "i", name: 'we"ird' })).tool_calls[0].function.name).toBe('we"ird');
  });
});
