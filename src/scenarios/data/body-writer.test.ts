import { describe, expect, it } from "vitest";
import { createBodyWriter, responseFormatBody } from "./body-writer.ts";

const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"] };

describe("request bodies", () => {
  it("adds response_format last, in inference-perf 0.7.0's to_api_format shape (completion, streaming)", () => {
    const w = createBodyWriter({
      api: "completion",
      model: "m",
      ignoreEos: true,
      streaming: true,
      responseFormat: { type: "json_schema", name: "structured_output", json_schema: schema },
    });
    expect(w.forPrompt("hi", 7)).toBe(
      '{"model":"m","prompt":"hi","max_tokens":7,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true},' +
        '"response_format":{"type":"json_schema","json_schema":{"name":"structured_output","schema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}}}}',
    );
  });

  it("sends json_object alone, on chat too", () => {
    const w = createBodyWriter({ api: "chat", model: "m", ignoreEos: false, streaming: false, responseFormat: { type: "json_object", name: "ignored", json_schema: schema } });
    expect(w.forPrompt("hi", null)).toBe(
      '{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":30,"ignore_eos":false,"stream":false,"response_format":{"type":"json_object"}}',
    );
  });

  it("sends schema null as inference-perf does when json_schema is unset", () => {
    expect(responseFormatBody({ type: "json_schema", name: "n", json_schema: null })).toEqual({ type: "json_schema", json_schema: { name: "n", schema: null } });
  });

  it("adds add_special_tokens false for chat-templated completion prompts, before response_format", () => {
    const w = createBodyWriter({ api: "completion", model: "m", ignoreEos: true, streaming: false, addSpecialTokens: false, responseFormat: { type: "json_object", name: "x", json_schema: null } });
    expect(JSON.parse(w.forPrompt("p", 3))).toEqual({ model: "m", prompt: "p", max_tokens: 3, ignore_eos: true, stream: false, add_special_tokens: false, response_format: { type: "json_object" } });
    expect(Object.keys(JSON.parse(w.forPrompt("p", 3)) as object).slice(-2)).toEqual(["add_special_tokens", "response_format"]);
  });

  it("writes the bodies it wrote before when neither is set", () => {
    const w = createBodyWriter({ api: "completion", model: "m", ignoreEos: true, streaming: false, addSpecialTokens: null });
    expect(w.forPrompt("p", 3)).toBe('{"model":"m","prompt":"p","max_tokens":3,"ignore_eos":true,"stream":false}');
  });
});
