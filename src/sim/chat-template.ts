/**
 * Chat prompts as token ids, in the shape of Llama-3's chat template:
 *   <|begin_of_text|> then per message <|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>
 *   then the generation prompt <|start_header_id|>assistant<|end_header_id|>\n\n
 * so a chat request's prompt_tokens is its content plus a small fixed overhead (10 tokens for one
 * user message), as on a real server. `content` may be a string or an array of {type:"text",text}
 * parts (what `vllm bench serve` sends); text parts are joined with "\n".
 */
import { tokenize } from "./tokenizer.ts";
import { BOS_ID, END_HEADER_ID, EOT_ID, START_HEADER_ID } from "./vocabulary.ts";

export interface ChatMessage {
  role: string;
  content: string;
}

/** Validates one OpenAI chat message; returns its flattened text content or an error message. */
export function readChatMessage(value: unknown, index: number): ChatMessage | string {
  if (typeof value !== "object" || value === null) return `messages[${index}] must be an object`;
  const { role, content } = value as { role?: unknown; content?: unknown };
  if (typeof role !== "string" || role === "") return `messages[${index}].role must be a non-empty string`;
  if (content === null || content === undefined) return { role, content: "" };
  if (typeof content === "string") return { role, content };
  if (!Array.isArray(content)) return `messages[${index}].content must be a string or an array of content parts`;
  const texts: string[] = [];
  for (const [k, part] of content.entries()) {
    const p = part as { type?: unknown; text?: unknown } | null;
    if (p?.type !== "text" || typeof p.text !== "string") {
      return `messages[${index}].content[${k}]: the simulator accepts only {"type":"text","text":…} parts`;
    }
    texts.push(p.text);
  }
  return { role, content: texts.join("\n") };
}

export function chatPromptTokens(messages: readonly ChatMessage[], addGenerationPrompt = true): number[] {
  const ids: number[] = [BOS_ID];
  const header = (role: string) => {
    ids.push(START_HEADER_ID, ...tokenize(role, false), END_HEADER_ID, ...tokenize("\n\n", false));
  };
  for (const m of messages) {
    header(m.role);
    for (const id of tokenize(m.content, false)) ids.push(id);
    ids.push(EOT_ID);
  }
  if (addGenerationPrompt) header("assistant");
  return ids;
}
