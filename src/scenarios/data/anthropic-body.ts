/**
 * Request bodies for `api.type: anthropic_messages` as inference-perf 0.7.0 sends them to POST /v1/messages
 * (apis/anthropic_messages.py `build_anthropic_request_body`): `{model, messages, max_tokens, stream}`, then `system`
 * when the conversation has system messages (their texts joined with a blank line, the messages themselves left
 * out), every other message `{role, content}` with a role other than assistant sent as user. No `ignore_eos`, no
 * `stream_options` and no `response_format`: 0.7.0 sends none of them on this API. `max_tokens` is 0.7.0's default 30
 * when the data sets none. The serialized head is built once; a conversation is converted once and kept.
 */
import type { BodyWriter } from "./body-writer.ts";

interface Message {
  role: string;
  content: string;
}

export function createAnthropicBodyWriter(shape: { model: string; streaming: boolean; defaultMaxTokens: number }): BodyWriter {
  const head = `{"model":${JSON.stringify(shape.model)},"messages":`;
  const stream = `,"stream":${shape.streaming}`;
  const maxTokens = (n: number | null) => `,"max_tokens":${n ?? shape.defaultMaxTokens}`;
  const forPromptJson = (json: string, n: number | null) => `${head}[{"role":"user","content":${json}}]${maxTokens(n)}${stream}}`;
  const converted = new Map<string, { messages: string; system: string }>();
  const convert = (messagesJson: string) => {
    let c = converted.get(messagesJson);
    if (c === undefined) {
      const all = JSON.parse(messagesJson) as Message[];
      const system = all.filter((m) => m.role === "system").map((m) => m.content ?? "").join("\n\n");
      const rest = all.filter((m) => m.role !== "system").map((m) => ({ role: m.role === "assistant" ? "assistant" : "user", content: m.content ?? "" }));
      c = { messages: JSON.stringify(rest), system: system === "" ? "" : `,"system":${JSON.stringify(system)}` };
      converted.set(messagesJson, c);
    }
    return c;
  };
  return {
    forPromptJson,
    forPrompt: (prompt, n) => forPromptJson(JSON.stringify(prompt), n),
    forMessagesJson(json, n) {
      const c = convert(json);
      return `${head}${c.messages}${maxTokens(n)}${stream}${c.system}}`;
    },
  };
}
