/**
 * The inference-perf view of a record, hand-computed (times in ms in, seconds out). Send at 0 in every case.
 * Chat stream: vLLM's role-only chunk at 100 (a token-bearing chunk for kneepoint's vLLM timings, not for
 * inference-perf), content "Hello" at 110 and " world" at 120; usage 9 → 2.
 */
import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import { PAYLOAD_NOT_COMPLETED, toInferencePerfRequest } from "./inference-perf-request.ts";
import { lifecycleMetricsOf } from "./lifecycle-metrics.ts";

const chat = (over: Parameters<typeof scenarioRecord>[0]["capture"] = {}) =>
  scenarioRecord({
    scheduledMs: 0,
    sendMs: 0,
    chunkTimesMs: [100, 110, 120],
    endMs: 130,
    plannedPromptTokens: 5,
    promptTokens: 9,
    completionTokens: 2,
    textChunks: 2,
    capture: {
      contentTimesMs: [110, 120],
      contentChunks: ['{"choices":[{"delta":{"content":"Hello"}}]}', '{"choices":[{"delta":{"content":" world"}}]}'],
      contentTexts: ["Hello", " world"],
      usage: { prompt_tokens: 9, total_tokens: 11, completion_tokens: 2 },
      body: "data: …",
      ...over,
    },
  });
/** A character-level tokenizer: "Hello" is 5 tokens, " world" 6. */
const chars = (t: string) => t.length;

describe("toInferencePerfRequest", () => {
  it("token times are the content chunks only: TTFT 110 ms, not the role chunk's 100", () => {
    const ip = toInferencePerfRequest(chat(), {});
    expect(ip.error).toBeNull();
    expect(ip.inputTokens).toBe(9);
    expect(ip.responseMetrics).toEqual({
      output_tokens: 2, // one per content chunk without a tokenizer
      server_usage: { prompt_tokens: 9, total_tokens: 11, completion_tokens: 2 },
      response_chunks: ['{"choices":[{"delta":{"content":"Hello"}}]}', '{"choices":[{"delta":{"content":" world"}}]}'],
      chunk_times: [0.11, 0.12],
      output_token_times: [0.11, 0.12],
    });
    const m = lifecycleMetricsOf(ip, false)!;
    expect(m.ttftS).toBeCloseTo(0.11, 12);
    expect(m.itlDeltasS).toHaveLength(1);
    expect(m.itlDeltasS[0]).toBeCloseTo(0.01, 12);
    expect(m.tpotS).toBeCloseTo(0.01, 12); // (0.12 − 0.11) / (2 − 1)
    expect(m.requestLatencyS).toBeCloseTo(0.13, 12);
  });

  it("with a tokenizer: output = the whole text's count; re-tokenized chunks give zero gaps inside a chunk", () => {
    const countOnly = toInferencePerfRequest(chat(), { countTokens: chars });
    expect(countOnly.responseMetrics!.output_tokens).toBe(11); // "Hello world"
    expect(countOnly.outputTokenTimesS).toEqual([0.11, 0.12]); // no tokenizer block: chunk times
    expect(countOnly.tokenCountMismatch).toBe(false);

    const ip = toInferencePerfRequest(chat(), { countTokens: chars, retokenizeChunks: true });
    expect(ip.outputTokenTimesS).toEqual([0.11, 0.11, 0.11, 0.11, 0.11, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12]);
    expect(ip.tokenCountMismatch).toBe(true); // 11 re-tokenized vs usage 2
    const m = lifecycleMetricsOf(ip, false)!;
    // 10 gaps: 4 zeros, 10 ms, 5 zeros → mean 1 ms; TPOT (120 − 110) / (11 − 1) = 1 ms; TTFT 110 ms
    expect(m.itlDeltasS.filter((d) => d === 0)).toHaveLength(9);
    expect(m.itlMeanS).toBeCloseTo(0.001, 12);
    expect(m.tpotS).toBeCloseTo(0.001, 12);
    expect(m.ttftS).toBeCloseTo(0.11, 12);
    // use_server_output_tokens: TPOT over usage's 2 tokens
    expect(lifecycleMetricsOf(ip, true)!.tpotS).toBeCloseTo(0.01, 12);
  });

  it("a 200 read to its end with no content chunk is a success with 0 tokens (kneepoint's own verdict: empty-stream)", () => {
    const rec = scenarioRecord({
      scheduledMs: 0, sendMs: 0, chunkTimesMs: [100], endMs: 130, plannedPromptTokens: 5, textChunks: 0,
      error: { reason: "empty-stream", message: "HTTP 200 but no token-bearing chunk arrived" },
      capture: { contentTimesMs: [], usage: null },
    });
    const ip = toInferencePerfRequest(rec, {});
    expect(ip.error).toBeNull();
    expect(ip.inputTokens).toBe(5); // no usage: the planned count
    expect(ip.responseMetrics).toEqual({ output_tokens: 0, server_usage: null, response_chunks: [], chunk_times: [], output_token_times: [] });
    const m = lifecycleMetricsOf(ip, false)!;
    expect([m.ttftS, m.tpotS, m.ntpotS, m.effectiveOutputTokens]).toEqual([null, null, 0, 0]);
  });

  it("a malformed chunk or an SSE error event does not fail the request; a cut body does, with aiohttp's error", () => {
    const soft = chat({ complete: true });
    soft.error = { reason: "malformed-chunk", message: "not JSON: {oops" };
    expect(toInferencePerfRequest(soft, {}).error).toBeNull();
    const cut = chat({ complete: false });
    cut.error = { reason: "disconnect", message: "connection closed mid-stream" };
    const ip = toInferencePerfRequest(cut, {});
    expect(ip.error).toEqual({ error_type: "ClientPayloadError", error_msg: PAYLOAD_NOT_COMPLETED });
    expect([ip.inputTokens, ip.responseMetrics, ip.outputTokenTimesS]).toEqual([0, null, null]);
  });

  it("an HTTP error keeps its whole body as the message", () => {
    const body = JSON.stringify({ error: { message: "x".repeat(500), type: "BadRequestError" } });
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, endMs: 5, error: { reason: "http", status: 400, message: `HTTP 400: ${body.slice(0, 200)}…` }, capture: { body } });
    expect(toInferencePerfRequest(rec, {}).error).toEqual({ error_type: "HTTP Error 400", error_msg: body });
  });

  it("not streamed: no token times; no choices → no response metrics but a success", () => {
    const unary = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [300], endMs: 301, promptTokens: 9, completionTokens: 7, capture: { contentTimesMs: [300], contentTexts: ["Hello world"], usage: { prompt_tokens: 9, completion_tokens: 7 } } });
    const ip = toInferencePerfRequest(unary, { streaming: false, countTokens: chars });
    expect(ip.responseMetrics).toEqual({ output_tokens: 11, server_usage: { prompt_tokens: 9, completion_tokens: 7 } });
    expect(ip.outputTokenTimesS).toBeNull();
    const none = scenarioRecord({ scheduledMs: 0, sendMs: 0, endMs: 301, plannedPromptTokens: 5, error: { reason: "empty-stream", message: "no choices" }, capture: { noChoices: true, usage: { prompt_tokens: 9 } } });
    const ipNone = toInferencePerfRequest(none, { streaming: false });
    expect([ipNone.error, ipNone.responseMetrics, ipNone.inputTokens]).toEqual([null, null, 9]);
  });
});
