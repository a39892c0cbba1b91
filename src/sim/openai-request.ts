/**
 * Reads a /v1/completions or /v1/chat/completions body into what the simulator needs, with
 * vLLM's validation rules and statuses: 400 for a missing model, a bad field, `stream_options`
 * without `stream: true`, or a prompt (+ max_tokens) longer than max_model_len; 404 for an
 * unknown model. Hand-written rather than zod: it runs on every request and reads a few fields.
 */
import { apiError, isApiError, type ApiError } from "./api-error.ts";
import { chatPromptTokens, readChatMessage, withToolsPrompt, type ChatMessage } from "./chat-template.ts";
import { tokenize } from "./tokenizer.ts";
import { VOCAB_SIZE } from "./vocabulary.ts";
import { readResponseFormat, type StructuredFormat } from "./structured-output.ts";
import { readAnthropicFields } from "./anthropic-request.ts";
import { readToolChoice, type ToolCallRequest } from "./tool-choice.ts";

/** "messages": POST /v1/messages, the Anthropic Messages API, served through the chat path (anthropic-request.ts). */
export type EndpointKind = "completion" | "chat" | "messages";

export interface GenerationRequest {
  kind: EndpointKind;
  promptTokens: number;
  /** The prompt's token ids (what prefix caching hashes). */
  promptIds: readonly number[];
  /** Seeds the answer (output-plan.ts): the prompt text or ids. */
  promptKey: string;
  maxTokens: number;
  ignoreEos: boolean;
  stream: boolean;
  includeUsage: boolean;
  /** The `model` the client named: the base model or one of the LoRA adapters. */
  model: string;
  /** The LoRA adapter the request runs with (its `model` names one), or null for the base model. */
  lora: string | null;
  /** `response_format` json_object / json_schema: the answer is JSON (structured-output.ts); null for text. */
  responseFormat: StructuredFormat | null;
  /** Chat `tool_choice` naming a function or "required": the answer is tool calls (tool-choice.ts); null for text. */
  toolCall: ToolCallRequest | null;
}

export interface ServedModel {
  modelName: string;
  maxModelLen: number;
  /** Adapters served beside the base model (--lora-modules). */
  loraModules?: ReadonlyArray<{ name: string }>;
}

/** The LoRA adapter `model` names, null for the base model, undefined when the server serves no such model. */
export function servedLora(served: ServedModel, model: string): string | null | undefined {
  if (model === served.modelName) return null;
  return served.loraModules?.some((m) => m.name === model) ? model : undefined;
}

/** vLLM's default max_tokens for /v1/completions. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

type Fields = Record<string, unknown>;

export function parseGenerationRequest(body: unknown, kind: EndpointKind, served: ServedModel): GenerationRequest | ApiError {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return apiError(400, "the request body must be a JSON object");
  const f = body as Fields;
  if (typeof f.model !== "string" || f.model === "") return apiError(400, "`model` is required (a string naming the served model)", "model");
  const lora = servedLora(served, f.model);
  if (lora === undefined) return apiError(404, `The model \`${f.model}\` does not exist.`, "model");
  if (kind === "messages") return parseMessagesRequest(f, f.model, lora, served);
  if (f.n !== undefined && f.n !== null && f.n !== 1) return apiError(400, "the simulator supports n=1 only", "n");

  const stream = f.stream === true;
  if (f.stream !== undefined && f.stream !== null && typeof f.stream !== "boolean") return apiError(400, "`stream` must be a boolean", "stream");
  if (f.stream_options !== undefined && f.stream_options !== null && !stream) {
    return apiError(400, "Stream options can only be defined when `stream=True`.", "stream_options");
  }
  const includeUsage = stream && (f.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
  if (f.ignore_eos !== undefined && typeof f.ignore_eos !== "boolean") return apiError(400, "`ignore_eos` must be a boolean", "ignore_eos");

  if (f.add_special_tokens !== undefined && f.add_special_tokens !== null && typeof f.add_special_tokens !== "boolean") {
    return apiError(400, "`add_special_tokens` must be a boolean", "add_special_tokens");
  }
  const responseFormat = readResponseFormat(f.response_format);
  if (isApiError(responseFormat)) return responseFormat;
  const toolCall = kind === "chat" ? readToolChoice(f, stream) : null;
  if (isApiError(toolCall)) return toolCall;
  // completions: add_special_tokens (default true) prepends the BOS; false for prompts that embed it (chat templates)
  const prompt = kind === "completion" ? readCompletionPrompt(f.prompt, f.add_special_tokens !== false) : readChatPrompt(f.messages, Array.isArray(f.tools) ? f.tools : []);
  if (typeof prompt === "string") return apiError(400, prompt, kind === "completion" ? "prompt" : "messages");

  const { maxModelLen } = served;
  if (prompt.tokens > maxModelLen) {
    return apiError(
      400,
      `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${prompt.tokens} input tokens. Please reduce the length of the input messages.`,
      kind === "completion" ? "prompt" : "messages",
    );
  }
  const maxField = kind === "chat" && f.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  const rawMax = f[maxField];
  const defaultMax = kind === "completion" ? COMPLETIONS_DEFAULT_MAX_TOKENS : maxModelLen - prompt.tokens;
  const maxTokens = rawMax === undefined || rawMax === null ? defaultMax : rawMax;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
    return apiError(400, `\`${maxField}\` must be an integer ≥ 1, got ${JSON.stringify(rawMax)}`, maxField);
  }
  if (prompt.tokens + maxTokens > maxModelLen) {
    return apiError(
      400,
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${prompt.tokens + maxTokens} tokens (${prompt.tokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      maxField,
    );
  }
  return { kind, promptTokens: prompt.tokens, promptIds: prompt.ids, promptKey: prompt.key, maxTokens, ignoreEos: f.ignore_eos === true, stream, includeUsage, model: f.model, lora, responseFormat, toolCall };
}

/** /v1/messages: the chat prompt of its messages; its own fields only (no ignore_eos, response_format, stream_options). */
function parseMessagesRequest(f: Fields, model: string, lora: string | null, served: ServedModel): GenerationRequest | ApiError {
  if (f.stream !== undefined && f.stream !== null && typeof f.stream !== "boolean") return apiError(400, "`stream` must be a boolean", "stream");
  const fields = readAnthropicFields(f);
  if (isApiError(fields)) return fields;
  const ids = chatPromptTokens(fields.messages);
  const { maxModelLen } = served;
  if (ids.length + fields.maxTokens > maxModelLen) {
    return apiError(
      400,
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${ids.length + fields.maxTokens} tokens (${ids.length} in the messages, ${fields.maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      "max_tokens",
    );
  }
  const stream = f.stream === true;
  const key = fields.messages.map((m) => `${m.role}\u0000${m.content}`).join("\u0001");
  return { kind: "messages", promptTokens: ids.length, promptIds: ids, promptKey: key, maxTokens: fields.maxTokens, ignoreEos: false, stream, includeUsage: stream, model, lora, responseFormat: null, toolCall: null };
}

interface Prompt {
  tokens: number;
  /** The prompt's token ids as the server counts them (special tokens and chat template included). */
  ids: readonly number[];
  key: string;
}

function isTokenIds(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v >= 0 && v < VOCAB_SIZE);
}

function readCompletionPrompt(value: unknown, addSpecialTokens: boolean): Prompt | string {
  let p = value;
  if (Array.isArray(p) && p.length === 1 && (typeof p[0] === "string" || Array.isArray(p[0]))) p = p[0];
  if (typeof p === "string") {
    const ids = tokenize(p, addSpecialTokens);
    return { tokens: ids.length, ids, key: p };
  }
  if (isTokenIds(p)) return { tokens: p.length, ids: p, key: p.join(",") };
  if (p === undefined || p === null) return "`prompt` is required";
  if (Array.isArray(p) && p.length > 1) return "the simulator accepts one prompt per request (a string or a list of token ids)";
  return `\`prompt\` must be a string or a list of token ids below ${VOCAB_SIZE}`;
}

/** `tools`: the request's tool definitions, rendered into the prompt as vLLM's chat template does (chat-template.ts). */
function readChatPrompt(value: unknown, tools: readonly unknown[]): Prompt | string {
  if (!Array.isArray(value) || value.length === 0) return "`messages` must be a non-empty array";
  const messages: ChatMessage[] = [];
  for (const [i, m] of value.entries()) {
    const read = readChatMessage(m, i);
    if (typeof read === "string") return read;
    messages.push(read);
  }
  const prompted = withToolsPrompt(messages, tools);
  const ids = chatPromptTokens(prompted);
  return { tokens: ids.length, ids, key: prompted.map((m) => `${m.role}\u0000${m.content}`).join("\u0001") };
}
