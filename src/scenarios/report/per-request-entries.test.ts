import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import { buildPerRequestEntry } from "./per-request-entries.ts";

describe("per-request entries (inference-perf's build_per_request_lifecycle_entry shape)", () => {
  it("a success: times in s, usage, token times, computed metrics", () => {
    const rec = scenarioRecord({ stage: 2, scheduledMs: 999, sendMs: 1000, chunkTimesMs: [1100, 1120, 1140], endMs: 1150, promptTokens: 7, completionTokens: 3 });
    const e = buildPerRequestEntry(rec, { useServerOutputTokens: false, requestBody: () => '{"prompt":"x"}' });
    expect(Object.keys(e)).toEqual(["start_time", "end_time", "request", "info", "computed_metrics", "error", "stage_id", "scheduled_time"]);
    expect(e.start_time).toBe(1);
    expect(e.end_time).toBe(1.15);
    expect(e.request).toBe('{"prompt":"x"}');
    expect(e.info.request_metrics.text.input_tokens).toBe(7);
    expect(e.info.response_metrics).toEqual({ output_tokens: 3, server_usage: { prompt_tokens: 7, completion_tokens: 3 }, chunk_times: [1.1, 1.12, 1.14], output_token_times: [1.1, 1.12, 1.14] });
    const c = e.computed_metrics!;
    expect(c.request_latency).toBeCloseTo(0.15, 12);
    expect(c.time_to_first_token).toBeCloseTo(0.1, 12);
    expect(c.time_per_output_token).toBeCloseTo(0.02, 12); // (1140 − 1100) / (3 − 1)
    expect(c.inter_token_latency).toBeCloseTo(0.02, 12);
    expect(c.normalized_time_per_output_token).toBeCloseTo(0.05, 12);
    expect(c.inter_token_latencies.map((x) => Math.round(x * 1e9) / 1e9)).toEqual([0.02, 0.02]);
    expect(e.error).toBeNull();
    expect([e.stage_id, e.scheduled_time]).toEqual([2, 0.999]);
  });

  it("a failure: no computed metrics, inference-perf's error type and message, no request without bodies", () => {
    const rec = scenarioRecord({ scheduledMs: 0, sendMs: 1, endMs: 5, plannedPromptTokens: 4, error: { reason: "http", status: 400, message: 'HTTP 400: {"error":{"message":"bad"}}' } });
    const e = buildPerRequestEntry(rec, { useServerOutputTokens: false });
    expect(e).not.toHaveProperty("request");
    expect(e).not.toHaveProperty("computed_metrics");
    expect(e.error).toEqual({ error_type: "HTTP Error 400", error_msg: '{"error":{"message":"bad"}}' });
    expect(e.info.response_metrics.server_usage).toBeNull();
    expect(e.info.request_metrics.text.input_tokens).toBe(4);
  });
});
