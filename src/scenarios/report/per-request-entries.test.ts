import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import { pythonJsonDumps } from "./python-json.ts";
import { buildKneepointRequestEntry, buildPerRequestEntry, perRequestNumberType } from "./per-request-entries.ts";

const streamed = scenarioRecord({
  stage: 2, scheduledMs: 999, sendMs: 1000, chunkTimesMs: [1100, 1120, 1140], endMs: 1150, promptTokens: 7, completionTokens: 3,
  capture: {
    body: 'data: {"choices":[{"text":"a"}]}\n\n…data: [DONE]\n\n',
    contentTimesMs: [1100, 1120, 1140],
    contentChunks: ['{"choices":[{"text":"a"}]}', '{"choices":[{"text":"b"}]}', '{"choices":[{"text":"c"}]}'],
    contentTexts: ["a", "b", "c"],
    usage: { prompt_tokens: 7, total_tokens: 10, completion_tokens: 3 },
  },
});

describe("per-request entries (inference-perf 0.7.0's build_per_request_lifecycle_entry, default fields)", () => {
  it("a streamed success: request as Python's json.dumps, the raw response, info in its key order", () => {
    const e = buildPerRequestEntry(streamed, { useServerOutputTokens: false, requestBody: () => '{"prompt":"é","max_tokens":3}' });
    expect(Object.keys(e)).toEqual(["start_time", "end_time", "request", "response", "info", "error"]);
    expect([e.start_time, e.end_time]).toEqual([1, 1.15]);
    expect(e.request).toBe('{"prompt": "\\u00e9", "max_tokens": 3}');
    expect(e.response).toBe(streamed.capture!.body);
    expect(Object.keys(e.info)).toEqual(["request_metrics", "response_metrics", "extra_info", "lora_adapter", "graph_event_id", "labels", "input_tokens"]);
    expect(e.info.request_metrics).toEqual({ text: { input_tokens: 7 }, image: null, video: null, audio: null });
    expect(e.info.response_metrics).toEqual({
      output_tokens: 3,
      server_usage: { prompt_tokens: 7, total_tokens: 10, completion_tokens: 3 },
      response_chunks: streamed.capture!.contentChunks,
      chunk_times: [1.1, 1.12, 1.14],
      output_token_times: [1.1, 1.12, 1.14],
    });
    expect([e.info.extra_info, e.info.lora_adapter, e.info.graph_event_id, e.info.labels, e.info.input_tokens]).toEqual([{}, null, null, {}, 7]);
    expect(e.error).toBeNull();
  });

  it("a failure: response_metrics null, 0 input tokens, the whole error body", () => {
    const body = '{"error":{"message":"bad"}}';
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 1, endMs: 5, plannedPromptTokens: 4, error: { reason: "http", status: 400, message: `HTTP 400: ${body}` }, capture: { body } });
    const e = buildPerRequestEntry(rec, { useServerOutputTokens: false });
    expect(e.request).toBeNull(); // no body given to the report
    expect(e.response).toBe(body);
    expect(e.error).toEqual({ error_type: "HTTP Error 400", error_msg: body });
    expect([e.info.response_metrics, e.info.request_metrics.text.input_tokens, e.info.input_tokens]).toEqual([null, 0, 0]);
  });

  it("non-streamed: response_metrics has no chunk keys", () => {
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 0, chunkTimesMs: [50], endMs: 51, promptTokens: 3, completionTokens: 2, capture: { contentTimesMs: [50], contentTexts: ["hi"], usage: { prompt_tokens: 3, completion_tokens: 2 } } });
    expect(buildPerRequestEntry(rec, { useServerOutputTokens: false, streaming: false }).info.response_metrics).toEqual({ output_tokens: 2, server_usage: { prompt_tokens: 3, completion_tokens: 2 } });
  });

  it("serializes token counts as ints and times as floats, as Python writes them", () => {
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 2000, chunkTimesMs: [3000], endMs: 3000, promptTokens: 3, completionTokens: 1, capture: { contentTimesMs: [3000], contentTexts: ["x"], contentChunks: ["{}"], usage: { prompt_tokens: 3, completion_tokens: 1 } } });
    const text = pythonJsonDumps(buildPerRequestEntry(rec, { useServerOutputTokens: false }), { numberType: perRequestNumberType });
    expect(text).toContain('"start_time": 2.0, "end_time": 3.0');
    expect(text).toContain('"text": {"input_tokens": 3}');
    expect(text).toContain('"output_tokens": 1, "server_usage": {"prompt_tokens": 3, "completion_tokens": 1}');
    expect(text).toContain('"chunk_times": [3.0], "output_token_times": [3.0]');
  });

  it("kneepoint's own entry keeps the stage, the scheduled time, its own verdict and the computed metrics", () => {
    const k = buildKneepointRequestEntry(streamed, { useServerOutputTokens: false });
    expect([k.stage_id, k.scheduled_time, k.start_time, k.kneepoint_error]).toEqual([2, 0.999, 1, null]);
    const c = k.computed_metrics!;
    expect(c.request_latency).toBeCloseTo(0.15, 12);
    expect(c.time_to_first_token).toBeCloseTo(0.1, 12);
    expect(c.time_per_output_token).toBeCloseTo(0.02, 12); // (1140 − 1100) / (3 − 1)
    expect(c.normalized_time_per_output_token).toBeCloseTo(0.05, 12);
    expect(c.inter_token_latencies.map((x) => Math.round(x * 1e9) / 1e9)).toEqual([0.02, 0.02]);
    expect([c.input_tokens, c.output_tokens]).toEqual([7, 3]);
  });
});
