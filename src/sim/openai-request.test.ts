import { describe, expect, it } from "vitest";
import { parseGenerationRequest, type GenerationRequest } from "./openai-request.ts";
import { tokenize } from "./tokenizer.ts";
import type { ApiError } from "./api-error.ts";

const served = { modelName: "m", maxModelLen: 100 };
const ok = (body: unknown, kind: "completion" | "chat" = "completion") => parseGenerationRequest(body, kind, served) as GenerationRequest;
const err = (body: unknown, kind: "completion" | "chat" = "completion") => parseGenerationRequest(body, kind, served) as ApiError;

describe("completion requests", () => {
  it("reads the vllm bench payload", () => {
    const r = ok({ model: "m", prompt: "Hello world", max_tokens: 8, ignore_eos: true, stream: true, stream_options: { include_usage: true }, repetition_penalty: 1.0, logprobs: null });
    expect(r).toMatchObject({ kind: "completion", maxTokens: 8, ignoreEos: true, stream: true, includeUsage: true });
    expect(r.promptTokens).toBe(tokenize("Hello world", true).length);
  });

  it("defaults max_tokens to 16 like vLLM, and accepts token-id prompts (no BOS added)", () => {
    expect(ok({ model: "m", prompt: "x" }).maxTokens).toBe(16);
    expect(ok({ model: "m", prompt: [5, 6, 7] }).promptTokens).toBe(3);
    expect(ok({ model: "m", prompt: ["x"] }).promptTokens).toBe(2);
  });

  it("answers vLLM's statuses for bad requests", () => {
    expect(err({ prompt: "x" })).toMatchObject({ status: 400, param: "model" });
    expect(err({ model: "other", prompt: "x" })).toMatchObject({ status: 404, message: "The model `other` does not exist.", type: "NotFoundError" });
    expect(err({ model: "m", prompt: "x", stream_options: { include_usage: true } })).toMatchObject({
      status: 400,
      message: "Stream options can only be defined when `stream=True`.",
    });
    expect(err({ model: "m", prompt: "x ".repeat(120) })).toMatchObject({ status: 400, message: expect.stringContaining("maximum context length is 100") });
    expect(err({ model: "m", prompt: "x", max_tokens: 99 })).toMatchObject({ status: 400, message: expect.stringContaining("in the completion") });
    expect(err({ model: "m", prompt: "x", max_tokens: 0 })).toMatchObject({ status: 400, param: "max_tokens" });
    expect(err([1, 2])).toMatchObject({ status: 400 });
    expect(err({ model: "m", prompt: ["a", "b"] })).toMatchObject({ status: 400, param: "prompt" });
  });
});

describe("chat requests", () => {
  it("accepts string and text-part content, max_completion_tokens, and counts the template", () => {
    const parts = ok({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }], max_completion_tokens: 5 }, "chat");
    const plain = ok({ model: "m", messages: [{ role: "user", content: "Hello" }], max_tokens: 5 }, "chat");
    expect(parts.maxTokens).toBe(5);
    expect(parts.promptTokens).toBe(plain.promptTokens);
    expect(parts.promptTokens).toBeGreaterThan(tokenize("Hello", false).length);
  });

  it("defaults the budget to what is left of max_model_len and rejects bad messages", () => {
    const r = ok({ model: "m", messages: [{ role: "user", content: "Hi" }] }, "chat");
    expect(r.maxTokens).toBe(100 - r.promptTokens);
    expect(err({ model: "m", messages: [] }, "chat")).toMatchObject({ status: 400, param: "messages" });
    expect(err({ model: "m", messages: [{ role: "user", content: [{ type: "image_url" }] }] }, "chat")).toMatchObject({ status: 400 });
  });
});
