/**
 * Chat prompts as token ids, in the shape of Llama-3's chat template:
 *   <|begin_of_text|> then per message <|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>
 *   then the generation prompt <|start_header_id|>assistant<|end_header_id|>\n\n
 * so a chat request's prompt_tokens is its content plus a small fixed overhead (10 tokens for one
 * user message), as on a real server. `content` may be a string or an array of {type:"text",text}
 * parts (what `vllm bench serve` sends); text parts are joined with "\n". Media parts (image_url, input_audio) count
 * as vLLM's placeholder tokens for them (multimodal-tokens.ts); a message with media keeps its parts in order.
 * Tool calling as Llama-3.1's template renders it: an assistant message's `tool_calls` are its content
 * `{"name": …, "parameters": …}` (one per call, a line each), and the request's `tools` go before the first user
 * message's content (withToolsPrompt), so they count in prompt_tokens as on vLLM.
 */
import { tokenize } from "./tokenizer.ts";
import { mediaPartIds } from "./multimodal-tokens.ts";
import { BOS_ID, END_HEADER_ID, EOT_ID, START_HEADER_ID } from "./vocabulary.ts";

export interface ChatMessage {
  role: string;
  content: string;
  /** With media: the content in order, text and media placeholder ids (`content` is then the text alone). */
  parts?: Array<string | number[]>;
}

/** Validates one OpenAI chat message; returns its flattened text content or an error message. */
export function readChatMessage(value: unknown, index: number): ChatMessage | string {
  if (typeof value !== "object" || value === null) return `messages[${index}] must be an object`;
  const { role, content, tool_calls: calls } = value as { role?: unknown; content?: unknown; tool_calls?: unknown };
  if (typeof role !== "string" || role === "") return `messages[${index}].role must be a non-empty string`;
  if (Array.isArray(calls) && calls.length > 0) {
    const rendered = calls.map(renderToolCall).join("\n");
    return { role, content: typeof content === "string" && content !== "" ? `${content}\n${rendered}` : rendered };
  }
  if (content === null || content === undefined) return { role, content: "" };
  if (typeof content === "string") return { role, content };
  if (!Array.isArray(content)) return `messages[${index}].content must be a string or an array of content parts`;
  const texts: string[] = [];
  const parts: Array<string | number[]> = [];
  for (const [k, part] of content.entries()) {
    const p = part as { type?: unknown; text?: unknown } | null;
    const media = p !== null && typeof p === "object" ? mediaPartIds(p as Record<string, unknown>, `messages[${index}].content[${k}]`) : null;
    if (typeof media === "string") return media;
    if (media !== null) {
      parts.push(media);
      continue;
    }
    if (p?.type !== "text" || typeof p.text !== "string") {
      return `messages[${index}].content[${k}]: the simulator accepts {"type":"text","text":…}, image_url and input_audio parts`;
    }
    texts.push(p.text);
    parts.push(p.text);
  }
  return parts.some((x) => typeof x !== "string") ? { role, content: texts.join(""), parts } : { role, content: texts.join("\n") };
}

/** The Llama-3.1 template's rendering of one assistant tool call (arguments as sent, JSON text). */
function renderToolCall(call: unknown): string {
  const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
  const args = typeof fn?.arguments === "string" ? fn.arguments : JSON.stringify(fn?.arguments ?? {});
  return `{"name": ${JSON.stringify(typeof fn?.name === "string" ? fn.name : "")}, "parameters": ${args}}`;
}

const TOOLS_PREAMBLE =
  "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
  'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.Do not use variables.\n\n';

/** Llama-3.1's tools_in_user_message: the preamble and each tool as JSON (indent 4) before the first user message. */
export function withToolsPrompt(messages: ChatMessage[], tools: readonly unknown[]): ChatMessage[] {
  const at = messages.findIndex((m) => m.role === "user");
  if (tools.length === 0 || at < 0) return messages;
  const block = TOOLS_PREAMBLE + tools.map((t) => `${JSON.stringify(t, null, 4)}\n\n`).join("");
  const first = messages[at]!;
  const out = [...messages];
  out[at] = first.parts ? { ...first, content: block + first.content, parts: [block, ...first.parts] } : { ...first, content: block + first.content };
  return out;
}

export function chatPromptTokens(messages: readonly ChatMessage[], addGenerationPrompt = true): number[] {
  const ids: number[] = [BOS_ID];
  const header = (role: string) => {
    ids.push(START_HEADER_ID, ...tokenize(role, false), END_HEADER_ID, ...tokenize("\n\n", false));
  };
  for (const m of messages) {
    header(m.role);
    if (m.parts) for (const part of m.parts) for (const id of typeof part === "string" ? tokenize(part, false) : part) ids.push(id);
    else for (const id of tokenize(m.content, false)) ids.push(id);
    ids.push(EOT_ID);
  }
  if (addGenerationPrompt) header("assistant");
  return ids;
}
