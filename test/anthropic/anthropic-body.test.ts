/**
 * anthropic_messages bodies (src/scenarios/data/anthropic-body.ts), byte for byte as inference-perf 0.7.0's
 * build_anthropic_request_body + json.dumps would send them (key order model, messages, max_tokens, stream,
 * then system), for one prompt and for a ShareGPT conversation with system messages.
 */
import { describe, expect, it } from "vitest";
import { createBodyWriter } from "../../src/scenarios/data/body-writer.ts";

describe("api.type anthropic_messages bodies", () => {
  const writer = createBodyWriter({ api: "anthropic_messages", model: "m", ignoreEos: true, streaming: true, responseFormat: { type: "json_object", name: "x", json_schema: null } });

  it("one prompt: one user message, max_tokens (30 when the data sets none), stream; no ignore_eos, stream_options or response_format", () => {
    expect(writer.forPrompt("hi \"there\"", null)).toBe('{"model":"m","messages":[{"role":"user","content":"hi \\"there\\""}],"max_tokens":30,"stream":true}');
    expect(writer.forPrompt("hi", 7)).toBe('{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":7,"stream":true}');
  });

  it("a conversation: system messages joined with a blank line into `system` (last key), any other role than assistant sent as user", () => {
    const messages = [
      { role: "system", content: "be kind" },
      { role: "user", content: "q1" },
      { role: "assistant", content: "a1" },
      { role: "system", content: "be brief" },
      { role: "human", content: "t" },
    ];
    expect(writer.forMessagesJson(JSON.stringify(messages), null)).toBe(
      '{"model":"m","messages":[{"role":"user","content":"q1"},{"role":"assistant","content":"a1"},{"role":"user","content":"t"}],"max_tokens":30,"stream":true,"system":"be kind\\n\\nbe brief"}',
    );
    const plain = createBodyWriter({ api: "anthropic_messages", model: "m", ignoreEos: false, streaming: false });
    expect(plain.forMessagesJson(JSON.stringify([{ role: "user", content: "q" }]), 5)).toBe('{"model":"m","messages":[{"role":"user","content":"q"}],"max_tokens":5,"stream":false}');
  });
});
