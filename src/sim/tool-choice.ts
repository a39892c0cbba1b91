/**
 * Tool calls as vLLM serves them on /v1/chat/completions, for a server started without
 * `--enable-auto-tool-choice` (the simulator has no tool-call parser to extract calls from free text):
 *
 * - `tool_choice: {type: "function", function: {name}}` (named function calling): the answer is the named tool's
 *   arguments, JSON generated under its `parameters` schema (structured outputs, structured-output.ts). Non-streamed:
 *   `message.content: ""`, `message.tool_calls: [{id, type: "function", function: {name, arguments}}]`, the arguments
 *   being the generated text as is; streamed: one `delta.tool_calls` per token, the first carrying `id`, `type` and
 *   the function `name` beside its arguments piece, the next ones `{index: 0, function: {arguments}}` only.
 *   finish_reason stays the engine's ("stop" / "length"): vLLM gives "tool_calls" for auto and required only, as
 *   OpenAI does ("In OpenAI's API, when a tool is called, the finish_reason is "tool_calls" for "auto" or
 *   "required" tool calls, and "stop" for named tool calls", vLLM's serving_chat).
 * - `tool_choice: "required"`: the model writes a JSON array `[{"name": …, "parameters": {…}}]` constrained by the
 *   tools' schemas (vLLM builds `{type: array, minItems: 1, items: {type: object, anyOf: [per tool]}}`); the
 *   non-streamed answer parses it into tool calls whose arguments are Python's `json.dumps(parameters)`, and
 *   finish_reason is "tool_calls" when the engine stopped. Streaming it needs vLLM's incremental array parser: the
 *   simulator refuses it (400) rather than send deltas vLLM would not.
 * - `"none"`, null, or no tool_choice and no tools: a text answer (vLLM checks nothing more then).
 * - `"auto"`, which vLLM defaults to when `tools` is given without `tool_choice`: vLLM's 400 for a server without
 *   `--enable-auto-tool-choice` / `--tool-call-parser`.
 *
 * The tool-call id is vLLM's default form, `chatcmpl-tool-` + 32 hex digits (a random uuid4).
 */
import { createHash, randomUUID } from "node:crypto";
import { apiError, isApiError, type ApiError } from "./api-error.ts";
import { readResponseFormat, type StructuredFormat } from "./structured-output.ts";

/** What a chat request asks of the tools: named = the one tool's arguments; required = a list of calls. */
export interface ToolCallRequest {
  kind: "named" | "required";
  /** The named tool (kind named). */
  name: string;
  /** The schema the answer's JSON follows. */
  format: StructuredFormat;
}

interface ToolDef {
  name: string;
  parameters: Record<string, unknown>;
}

const EMPTY_PARAMETERS = { type: "object", properties: {} };

/** `tools` as a list of function definitions, or vLLM-like 400. */
function readTools(value: unknown): ToolDef[] | ApiError {
  const bad = (message: string) => apiError(400, message, "tools");
  if (!Array.isArray(value)) return bad("`tools` must be a list of {type: \"function\", function: {name, parameters}}");
  const tools: ToolDef[] = [];
  for (const [i, t] of value.entries()) {
    const tool = t as { type?: unknown; function?: { name?: unknown; parameters?: unknown } } | null;
    if (tool === null || typeof tool !== "object" || tool.type !== "function" || typeof tool.function !== "object" || tool.function === null) {
      return bad(`tools[${i}] must be {type: "function", function: {name, parameters}}`);
    }
    const { name, parameters } = tool.function;
    if (typeof name !== "string" || name === "") return bad(`tools[${i}].function.name must be a non-empty string`);
    if (parameters !== undefined && parameters !== null && (typeof parameters !== "object" || Array.isArray(parameters))) {
      return bad(`tools[${i}].function.parameters must be a JSON schema object`);
    }
    tools.push({ name, parameters: (parameters as Record<string, unknown> | null | undefined) ?? EMPTY_PARAMETERS });
  }
  return tools;
}

/** A schema as structured output compiles it (vLLM answers a schema it cannot compile with a 400). */
function compiled(schema: Record<string, unknown>): StructuredFormat | ApiError {
  const format = readResponseFormat({ type: "json_schema", json_schema: { name: "tool", schema } });
  if (isApiError(format)) return { ...format, param: "tools" };
  return format ?? { kind: "json_object" };
}

/**
 * The request's tool call, null for a text answer, or the 400 vLLM gives (its request validator's messages).
 * `stream`: required is not streamed here.
 */
export function readToolChoice(body: Record<string, unknown>, stream: boolean): ToolCallRequest | null | ApiError {
  const bad = (message: string) => apiError(400, message, "tool_choice");
  const listed = Array.isArray(body.tools) && body.tools.length > 0;
  // vLLM: tools without a tool_choice mean "auto"; "none" (or null) needs no tools and checks none
  const choice = body.tool_choice === undefined ? (listed ? "auto" : "none") : (body.tool_choice ?? "none");
  if (choice === "none") return null;
  if (body.tools === undefined || body.tools === null) return bad("When using `tool_choice`, `tools` must be set.");
  if (choice === "required" && Array.isArray(body.tools) && body.tools.length === 0) return null; // vLLM: behaves as "none"
  if (choice !== "auto" && choice !== "required" && (typeof choice !== "object" || Array.isArray(choice))) {
    return bad(`Invalid value for \`tool_choice\`: ${JSON.stringify(choice)}! Only named tools, "none", "auto" or "required" are supported.`);
  }
  const tools = readTools(body.tools);
  if (isApiError(tools)) return tools;
  if (choice === "auto") {
    return bad('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set (the simulator has no tool-call parser: name the tool in tool_choice, or use "required" or "none")');
  }
  if (choice === "required") {
    if (stream) return bad('the simulator does not stream tool_choice "required" (vLLM parses the call list incrementally); use stream: false or name the tool in tool_choice');
    const items = tools.map((t) => ({ properties: { name: { type: "string", enum: [t.name] }, parameters: t.parameters }, required: ["name", "parameters"] }));
    const format = compiled({ type: "array", minItems: 1, items: { type: "object", anyOf: items } });
    return isApiError(format) ? format : { kind: "required", name: "", format };
  }
  const usage = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`';
  const fn = (choice as { function?: unknown }).function;
  if (typeof fn !== "object" || fn === null || Array.isArray(fn)) return bad(`Invalid value for \`function\`: \`${JSON.stringify(fn ?? null)}\` in \`tool_choice\`! ${usage}`);
  const name = (fn as { name?: unknown }).name;
  if (typeof name !== "string" || name === "") return bad(`Expected a non-empty string \`name\` in \`function\` in \`tool_choice\`! ${usage}`);
  const tool = tools.find((t) => t.name === name);
  if (!tool) return bad("The tool specified in `tool_choice` does not match any of the specified `tools`");
  const format = compiled(tool.parameters);
  return isApiError(format) ? format : { kind: "named", name, format };
}

/** vLLM's default tool-call id: its form (chatcmpl-tool- and 32 hex digits), random. */
export function newToolCallId(): string {
  return `chatcmpl-tool-${randomUUID().replaceAll("-", "")}`;
}

/**
 * The simulator's tool-call ids: vLLM's form, but derived from the prompt (as the rest of an answer is), so the same
 * request gets the same ids every time and two clients replaying one session send the same bodies.
 */
export function promptToolCallIds(promptKey: string): () => string {
  let n = 0;
  return () => `chatcmpl-tool-${createHash("sha256").update(`${promptKey}\0${n++}`).digest("hex").slice(0, 32)}`;
}

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** Python's json.dumps (separators ", " and ": ", ensure_ascii=False) of a parsed JSON value. */
function pythonDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonDumps).join(", ")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonDumps(x)}`).join(", ")}}`;
  return JSON.stringify(v);
}

/**
 * The non-streamed answer's tool calls from its generated text. A text cut by max_tokens is not JSON: vLLM's
 * named branch still returns it as the arguments; its required branch fails to parse it (here: no tool calls).
 */
export function toolCallsOf(request: ToolCallRequest, text: string, newId: () => string = newToolCallId): ToolCall[] {
  if (request.kind === "named") return [{ id: newId(), type: "function", function: { name: request.name, arguments: text } }];
  let calls: unknown;
  try {
    calls = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(calls)) return [];
  return calls.map((c: { name: string; parameters: unknown }) => ({ id: newId(), type: "function", function: { name: c.name, arguments: pythonDumps(c.parameters) } }));
}

/** The finish_reason of an answer with tool calls: "tool_calls" for required when the engine stopped, else the engine's. */
export function toolFinishReason(request: ToolCallRequest, finishReason: string): string {
  return request.kind === "required" && finishReason === "stop" ? "tool_calls" : finishReason;
}

/** One streamed chat delta of named tool calling: `first` carries the id, type and name (a string of JSON). */
export function toolCallDelta(argumentsJson: string, first: { id: string; name: string } | null): string {
  return first
    ? `{"tool_calls":[{"id":"${first.id}","type":"function","index":0,"function":{"name":${JSON.stringify(first.name)},"arguments":${argumentsJson}}}]}`
    : `{"tool_calls":[{"index":0,"function":{"arguments":${argumentsJson}}}]}`;
}
