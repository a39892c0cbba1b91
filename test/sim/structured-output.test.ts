/**
 * Structured output end to end on the simulator: response_format json_schema / json_object on both endpoints,
 * streamed and not; the answer parses and validates against the schema (ajv), its token count is honest (the
 * usage's completion_tokens = the simulator's own tokenization of the text, the streamed chunks = the tokens), and
 * schemas vLLM refuses get its 400 shape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { tokenize } from "../../src/sim/tokenizer.ts";
import { postJson } from "./raw-http.ts";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, speedup: 50 });
});
afterAll(async () => {
  await sim.close();
});

const SCHEMA = {
  type: "object",
  properties: {
    title: { type: "string" },
    rating: { type: "integer", minimum: 1, maximum: 5 },
    score: { type: "number", exclusiveMinimum: 0.5 },
    tags: { type: "array", items: { type: "string", enum: ["a", "b"] }, minItems: 2 },
    verdict: { enum: ["yes", "no"] },
    ok: { type: "boolean" },
    nested: { $ref: "#/$defs/inner" },
    choice: { anyOf: [{ type: "string", maxLength: 0, minLength: 1 }, { type: "null" }] },
  },
  required: ["title", "rating", "tags", "verdict", "ok", "nested"],
  additionalProperties: false,
  $defs: { inner: { type: "object", properties: { when: { type: "string", format: "date-time" }, n: { type: "integer", exclusiveMaximum: -3 } }, required: ["when", "n"] } },
};
const validate = new Ajv({ strict: false, validateFormats: false }).compile(SCHEMA);
const jsonSchema = (schema: unknown) => ({ type: "json_schema", json_schema: { name: "structured_output", schema } });
const data = (body: string) => JSON.parse(body) as { choices: Array<{ text?: string; message?: { content: string }; delta?: { role?: string; content?: string }; finish_reason: string | null }>; usage?: { completion_tokens: number } };

describe("structured output on the simulator", () => {
  it("answers schema-valid JSON of the planned length on /v1/completions (ignore_eos: exactly max_tokens tokens)", async () => {
    const r = await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "Rate it", max_tokens: 120, ignore_eos: true, response_format: jsonSchema(SCHEMA) });
    expect(r.status).toBe(200);
    const body = data(r.body);
    const text = body.choices[0]!.text!;
    const answer = JSON.parse(text) as Record<string, unknown>;
    expect(validate(answer), JSON.stringify(validate.errors)).toBe(true);
    expect(body.usage!.completion_tokens).toBe(120);
    expect(tokenize(text, false)).toHaveLength(120); // the free string was filled to the budget: every token is text
    expect(body.choices[0]!.finish_reason).toBe("length");
  });

  it("streams the JSON token by token on chat, the chunks joining into the valid answer", async () => {
    const r = await postJson(sim.url, "/v1/chat/completions", {
      model: MODEL,
      messages: [{ role: "user", content: "Rate it" }],
      max_tokens: 200,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
      response_format: jsonSchema(SCHEMA),
    });
    const chunks = r.events.slice(0, -1).map((e) => data(e.data));
    const tokens = chunks.filter((c) => c.choices.length > 0 && c.choices[0]!.delta?.role === undefined);
    const text = tokens.map((c) => c.choices[0]!.delta!.content).join("");
    expect(validate(JSON.parse(text))).toBe(true);
    expect(tokens).toHaveLength(200);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(200);
  });

  it("answers an object for json_object, and a stop-length document without ignore_eos", async () => {
    const r = await postJson(sim.url, "/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 4000, response_format: { type: "json_object" } });
    const body = data(r.body);
    const answer = JSON.parse(body.choices[0]!.message!.content) as unknown;
    expect(answer).toEqual({ answer: expect.any(String) });
    expect(body.choices[0]!.finish_reason).toBe("stop");
    expect(body.usage!.completion_tokens).toBe(tokenize(body.choices[0]!.message!.content, false).length);
  });

  it("cuts a document longer than max_tokens there (finish_reason length), and pads a fixed one with EOS under ignore_eos", async () => {
    const cut = data((await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "x", max_tokens: 5, response_format: jsonSchema(SCHEMA) })).body);
    expect(cut.usage!.completion_tokens).toBe(5);
    expect(cut.choices[0]!.finish_reason).toBe("length");
    expect(() => JSON.parse(cut.choices[0]!.text!)).toThrow();
    const fixed = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    const padded = data((await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "x", max_tokens: 40, ignore_eos: true, response_format: jsonSchema(fixed) })).body);
    expect(JSON.parse(padded.choices[0]!.text!)).toEqual({ ok: true });
    expect(padded.usage!.completion_tokens).toBe(40);
  });

  it.each([
    [jsonSchema(null), /You must use one kind of structured outputs constraint but none are specified/],
    [jsonSchema({ type: "string", pattern: "^a+$" }), /^The provided JSON schema contains features not supported by xgrammar\.$/],
    [jsonSchema({ type: "integer", minimum: 5, maximum: 4 }), /^Failed to transform json schema into a grammar: /],
    [jsonSchema({ enum: [] }), /^Failed to transform json schema into a grammar: enum has no values/],
    [{ type: "json_schema" }, /json_schema` is required/],
    [{ type: "xml" }, /response_format.type/],
  ])("answers vLLM's 400 for %j", async (format, message) => {
    const r = await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "x", max_tokens: 5, response_format: format });
    expect(r.status).toBe(400);
    const e = (JSON.parse(r.body) as { error: { message: string; type: string; code: number } }).error;
    expect(e).toMatchObject({ type: "BadRequestError", code: 400 });
    expect(e.message).toMatch(message);
  });

  it("treats type text as no format, and counts a completion prompt without the BOS when add_special_tokens is false", async () => {
    const plain = data((await postJson(sim.url, "/v1/completions", { model: MODEL, prompt: "hello there", max_tokens: 3, ignore_eos: true, response_format: { type: "text" }, add_special_tokens: false })).body);
    expect((plain as unknown as { usage: { prompt_tokens: number } }).usage.prompt_tokens).toBe(tokenize("hello there", false).length);
  });
});
