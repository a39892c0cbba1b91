import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { newRequestRecord, type RequestRecord } from "../engine/request-record.ts";
import { deriveRequestMetrics, isSuccessful } from "./request-metrics.ts";

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return { ...newRequestRecord(0, 256, 1_700_000_000_000), ...overrides };
}

describe("deriveRequestMetrics", () => {
  it("computes TTFT, E2EL, ITLs and TPOT from chunk times and usage", () => {
    // send 0; chunks 100, 110, 125, 130; usage 4 completion tokens.
    // TTFT = 100 − 0 = 100; E2EL = 130 − 0 = 130; ITLs = [110 − 100, 125 − 110, 130 − 125] = [10, 15, 5];
    // TPOT = (130 − 100) / (4 − 1) = 10.
    const m = deriveRequestMetrics(
      record({ chunkTimesMs: [100, 110, 125, 130], promptTokens: 250, completionTokens: 4, textChunks: 4 }),
    );
    expect(m).toEqual({
      ttftMs: 100,
      e2elMs: 130,
      itlsMs: [10, 15, 5],
      tpotMs: 10,
      outputTokens: 4,
      outputTokensSource: "usage",
      promptTokens: 250,
      promptTokensSource: "usage",
    });
  });

  it("measures from the send time, not from 0", () => {
    // send 1000; chunks 1040, 1060 → TTFT 40, E2EL 60, ITL [20]; 5 tokens → TPOT (60 − 40) / 4 = 5.
    const m = deriveRequestMetrics(record({ sendMs: 1000, chunkTimesMs: [1040, 1060], completionTokens: 5 }));
    expect(m).toMatchObject({ ttftMs: 40, e2elMs: 60, itlsMs: [20], tpotMs: 5 });
  });

  it("falls back to counting text chunks when usage is missing or 0, and to the planned prompt length", () => {
    // No usage: 3 text chunks (the chat role-only chunk is token-bearing but has no text) → 3 tokens, counted.
    // TPOT = (130 − 100) / (3 − 1) = 15.
    const noUsage = record({ chunkTimesMs: [100, 105, 120, 130], textChunks: 3 });
    expect(deriveRequestMetrics(noUsage)).toMatchObject({
      outputTokens: 3,
      outputTokensSource: "counted",
      tpotMs: 15,
      promptTokens: 256,
      promptTokensSource: "planned",
    });
    // usage.completion_tokens = 0 counts as missing, as vLLM's `if not output_len`.
    const zeroUsage = record({ chunkTimesMs: [100, 130], completionTokens: 0, promptTokens: 7, textChunks: 2 });
    expect(deriveRequestMetrics(zeroUsage)).toMatchObject({
      outputTokens: 2,
      outputTokensSource: "counted",
      promptTokens: 7,
      promptTokensSource: "usage",
    });
    // Nothing to count either → 1 token, as vLLM without a tokenizer; TPOT undefined.
    const nothing = record({ chunkTimesMs: [100, 130], textChunks: 0 });
    expect(deriveRequestMetrics(nothing)).toMatchObject({ outputTokens: 1, outputTokensSource: "counted", tpotMs: null });
  });

  it("has no ITL and no TPOT for a single chunk", () => {
    // send 0, one chunk at 80 carrying 1 token: TTFT = E2EL = 80, no gaps, output ≤ 1 → TPOT null.
    const m = deriveRequestMetrics(record({ chunkTimesMs: [80], completionTokens: 1 }));
    expect(m).toMatchObject({ ttftMs: 80, e2elMs: 80, itlsMs: [], tpotMs: null, outputTokens: 1 });
  });

  it("gives TPOT from usage even when all tokens arrive in one chunk", () => {
    // One chunk at 50 with 5 tokens: TPOT = (50 − 50) / 4 = 0, ITL none.
    expect(deriveRequestMetrics(record({ chunkTimesMs: [50], completionTokens: 5 }))).toMatchObject({ tpotMs: 0, itlsMs: [] });
  });

  it("returns null for failed requests and for a stream without token-bearing chunks", () => {
    const failed = record({ chunkTimesMs: [10], error: { reason: "disconnect", message: "socket closed" } });
    expect(isSuccessful(failed)).toBe(false);
    expect(deriveRequestMetrics(failed)).toBeNull();
    expect(deriveRequestMetrics(record({ chunkTimesMs: [] }))).toBeNull();
  });

  it("satisfies TTFT + Σ ITL = E2EL and TTFT ≤ E2EL for any chunk times", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 200 }),
        fc.option(fc.integer({ min: 0, max: 10_000 })),
        fc.nat(500),
        (sendMs, offsets, completionTokens, textChunks) => {
          const chunkTimesMs = [...offsets].sort((a, b) => a - b).map((o) => sendMs + o);
          const m = deriveRequestMetrics(record({ sendMs, chunkTimesMs, completionTokens, textChunks }));
          expect(m).not.toBeNull();
          if (m === null) return;
          expect(m.itlsMs).toHaveLength(chunkTimesMs.length - 1);
          expect(m.ttftMs + m.itlsMs.reduce((s, x) => s + x, 0)).toBe(m.e2elMs);
          expect(m.ttftMs).toBeLessThanOrEqual(m.e2elMs);
          expect(m.outputTokens).toBeGreaterThanOrEqual(1);
          expect(m.tpotMs === null).toBe(m.outputTokens <= 1);
          if (m.tpotMs !== null) expect(m.tpotMs * (m.outputTokens - 1)).toBeCloseTo(m.e2elMs - m.ttftMs, 6);
        },
      ),
    );
  });
});
