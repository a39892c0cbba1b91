/**
 * Tool calls end to end on the simulator, as vLLM answers them without --enable-auto-tool-choice: named function
 * calling (streamed and not) answers `message.tool_calls` whose arguments validate against the tool's parameters
 * schema, with content "" and the engine's finish_reason; "required" answers parsed calls and finish_reason
 * "tool_calls"; "none" answers text; "auto" is vLLM's 400. The official OpenAI SDK parses both shapes, its stream
 * helper assembling the tool-call deltas into the final message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import OpenAI from "openai";
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

const PARAMS = { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["city", "unit"], additionalProperties: false };
const validArgs = new Ajv({ strict: false }).compile(PARAMS);
const TOOLS = [{ type: "function", function: { name: "get_weather", description: "Current weather of a city", parameters: PARAMS } }];
const NAMED = { type: "function", function: { name: "get_weather" } };
const ask = { model: MODEL, messages: [{ role: "user", content: "What is the weather in Paris?" }] };
const TOOL_ID = /^chatcmpl-tool-[0-9a-f]{32}$/;

interface ToolCallJson {
  id?: string;
  type?: string;
  index?: number;
  function: { name?: string; arguments: string };
}
interface Body {
  choices: Array<{ message?: { content: string | null; tool_calls: ToolCallJson[] }; delta?: { role?: string; content?: string; tool_calls?: ToolCallJson[] }; finish_reason: string | null }>;
  usage?: { completion_tokens: number };
}
const parse = (text: string) => JSON.parse(text) as Body;

describe("tool calls on the simulator", () => {
  it("named, not streamed: content \"\", one tool call whose arguments validate; ignore_eos fills max_tokens, finish_reason length", async () => {
    const r = await postJson(sim.url, "/v1/chat/completions", { ...ask, tools: TOOLS, tool_choice: NAMED, max_tokens: 40, ignore_eos: true });
    expect(r.status).toBe(200);
    const body = parse(r.body);
    const message = body.choices[0]!.message!;
    expect(message.content).toBe("");
    expect(message.tool_calls).toHaveLength(1);
    const call = message.tool_calls[0]!;
    expect(Object.keys(call)).toEqual(["id", "type", "function"]);
    expect(call.id).toMatch(TOOL_ID);
    expect(call.type).toBe("function");
    expect(call.function.name).toBe("get_weather");
    expect(validArgs(JSON.parse(call.function.arguments)), JSON.stringify(validArgs.errors)).toBe(true);
    expect(tokenize(call.function.arguments, false)).toHaveLength(40); // the free string filled to the budget
    expect(body.usage!.completion_tokens).toBe(40);
    expect(body.choices[0]!.finish_reason).toBe("length");
  });

  it("named, as inference-perf 0.7.0 sends it (max_tokens 4096, ignore_eos false): stops by itself with finish_reason stop, not tool_calls", async () => {
    const body = parse((await postJson(sim.url, "/v1/chat/completions", { ...ask, tools: TOOLS, tool_choice: NAMED, max_tokens: 4096, ignore_eos: false })).body);
    const call = body.choices[0]!.message!.tool_calls[0]!;
    expect(validArgs(JSON.parse(call.function.arguments))).toBe(true);
    expect(body.choices[0]!.finish_reason).toBe("stop");
    expect(body.usage!.completion_tokens).toBe(tokenize(call.function.arguments, false).length);
  });

  it("named, streamed: role chunk, then one tool_calls delta per token (the first with id, type and name), the last with finish_reason", async () => {
    const r = await postJson(sim.url, "/v1/chat/completions", { ...ask, tools: TOOLS, tool_choice: NAMED, max_tokens: 30, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
    expect(r.events.at(-1)!.data).toBe("[DONE]");
    const chunks = r.events.slice(0, -1).map((e) => parse(e.data));
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    const deltas = chunks.slice(1, -1).map((c) => c.choices[0]!);
    expect(deltas).toHaveLength(30);
    const [first, ...rest] = deltas.map((d) => d.delta!.tool_calls!);
    expect(first).toHaveLength(1);
    expect(Object.keys(first![0]!)).toEqual(["id", "type", "index", "function"]);
    expect(first![0]!.id).toMatch(TOOL_ID);
    expect(first![0]!.function.name).toBe("get_weather");
    for (const calls of rest) expect(calls).toEqual([{ index: 0, function: { arguments: calls[0]!.function.arguments } }]);
    const args = [first!, ...rest].map((c) => c[0]!.function.arguments).join("");
    expect(validArgs(JSON.parse(args))).toBe(true);
    expect(deltas.map((d) => d.finish_reason)).toEqual([...Array<null>(29).fill(null), "length"]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(30);
  });

  it('"required": the calls parsed from the generated list, arguments as Python json.dumps, finish_reason tool_calls', async () => {
    const body = parse((await postJson(sim.url, "/v1/chat/completions", { ...ask, tools: TOOLS, tool_choice: "required", max_tokens: 4096 })).body);
    const call = body.choices[0]!.message!.tool_calls[0]!;
    expect(call.id).toMatch(TOOL_ID);
    expect(call.function.name).toBe("get_weather");
    expect(call.function.arguments).toMatch(/^\{"city": ".*", "unit": "celsius"\}$/); // enum's first value; ", " and ": " separators
    expect(validArgs(JSON.parse(call.function.arguments))).toBe(true);
    expect(body.choices[0]!.message!.content).toBe("");
    expect(body.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it('"none" with tools answers text; tools without tool_choice are "auto", vLLM\'s 400 without a tool-call parser', async () => {
    const text = parse((await postJson(sim.url, "/v1/chat/completions", { ...ask, tools: TOOLS, tool_choice: "none", max_tokens: 5, ignore_eos: true })).body);
    expect(text.choices[0]!.message!.tool_calls).toEqual([]);
    expect(tokenize(text.choices[0]!.message!.content!, false)).toHaveLength(5);
    const auto = await postJson(sim.url, "/v1/chat/completions", { ...ask, tools: TOOLS, max_tokens: 5 });
    expect(auto.status).toBe(400);
    expect(JSON.parse(auto.body).error).toMatchObject({ param: "tool_choice", code: 400, message: expect.stringMatching(/^"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set/) });
  });

  it("the OpenAI SDK parses the tool calls, plain and streamed (its stream helper assembling the deltas)", async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const params = { model: MODEL, messages: [{ role: "user" as const, content: "weather?" }], tools: TOOLS as OpenAI.ChatCompletionTool[], tool_choice: NAMED as OpenAI.ChatCompletionToolChoiceOption, max_tokens: 64 };
    const plain = await client.chat.completions.create(params);
    const call = plain.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && validArgs(JSON.parse(call.function.arguments))).toBe(true);
    const final = await client.chat.completions.stream({ ...params, stream: true }).finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    expect(streamed.id).toMatch(TOOL_ID);
    expect(streamed.type === "function" && streamed.function.name).toBe("get_weather");
    expect(streamed.type === "function" && validArgs(JSON.parse(streamed.function.arguments))).toBe(true);
  });
});

describe("tools and tool calls in the prompt (Llama-3.1's template, as vLLM renders them)", () => {
  const promptTokens = async (body: object) => parse((await postJson(sim.url, "/v1/chat/completions", { model: MODEL, max_tokens: 1, ...body })).body).usage as unknown as { prompt_tokens: number };
  const TOOL = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } };

  it("the tools go before the first user message's content: the preamble, then each tool as JSON indented by 4", async () => {
    const system = { role: "system", content: "Be brief." };
    const withTools = await promptTokens({ messages: [system, { role: "user", content: "Weather?" }], tools: [TOOL], tool_choice: "none" });
    const spelled =
      "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
      'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.Do not use variables.\n\n' +
      '{\n    "type": "function",\n    "function": {\n        "name": "get_weather",\n        "parameters": {\n            "type": "object"\n        }\n    }\n}\n\n' +
      "Weather?";
    const asText = await promptTokens({ messages: [system, { role: "user", content: spelled }] });
    expect(withTools.prompt_tokens).toBe(asText.prompt_tokens);
    const without = await promptTokens({ messages: [system, { role: "user", content: "Weather?" }] });
    expect(withTools.prompt_tokens).toBeGreaterThan(without.prompt_tokens + 40);
  });

  it('an assistant message\'s tool calls count as {"name": …, "parameters": …}, after its content', async () => {
    const call = (id: string, args: string) => ({ id, type: "function", function: { name: "get_weather", arguments: args } });
    const history = (assistant: object) => [{ role: "user", content: "Weather?" }, assistant, { role: "tool", tool_call_id: "c1", content: "18 C" }];
    const calls = await promptTokens({ messages: history({ role: "assistant", content: null, tool_calls: [call("c1", '{"city": "Paris"}'), call("c2", "{}")] }) });
    const spelled = await promptTokens({ messages: history({ role: "assistant", content: '{"name": "get_weather", "parameters": {"city": "Paris"}}\n{"name": "get_weather", "parameters": {}}' }) });
    expect(calls.prompt_tokens).toBe(spelled.prompt_tokens);
    const both = await promptTokens({ messages: history({ role: "assistant", content: "Checking.", tool_calls: [call("c1", "{}")] }) });
    const bothSpelled = await promptTokens({ messages: history({ role: "assistant", content: 'Checking.\n{"name": "get_weather", "parameters": {}}' }) });
    expect(both.prompt_tokens).toBe(bothSpelled.prompt_tokens);
  });
});
