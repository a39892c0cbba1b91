/**
 * load.request_retries' rules (src/scenarios/load/request-retries.ts), with every number computed by hand:
 * which failures are retried (0.7.0 is_retryable_transport_error), the backoff, the record a retried request
 * leaves (the first attempt's send time, the last attempt's answer), and what the report makes of it
 * (retry_wasted_sec, the retries block). The transport faults are real ones: the simulator's `reset` fault and a
 * closed port, through the real stream client.
 */
import { describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { createStreamClient, type PreparedRequest, type StreamClient } from "../../src/engine/openai-stream-client.ts";
import { newRequestRecord, type RequestError, type RequestRecord } from "../../src/engine/request-record.ts";
import { isRetryableFault, retryBackoffMs, withRequestRetries } from "../../src/scenarios/load/request-retries.ts";
import { retryInfoOf } from "../../src/scenarios/report/inference-perf-request.ts";
import { addRetry, mergeRetryStates, retrySummaryOf } from "../../src/scenarios/report/retry-summary.ts";
import type { ScenarioRecord } from "../../src/scenarios/types.ts";
import { startSimulator } from "../../src/sim/server.ts";
import { addScenarioRecord, createStageState } from "../../src/scenarios/report/stage-state.ts";
import { stageStateFromJson, stageStateToJson } from "../../src/scenarios/report/stage-state-json.ts";
import { buildLifecycleReportFromState } from "../../src/scenarios/report/build-lifecycle-report.ts";

const failed = (error: RequestError): RequestRecord => ({ ...newRequestRecord(0, 1, 0), error });
const REQ: PreparedRequest = { index: 0, body: "{}", plannedPromptTokens: 1 };

/** A client whose i-th send returns outcomes[i] (a record error, or null for a success), sent at 100·i ms. */
function scripted(outcomes: Array<RequestError | null>): StreamClient & { sends: number } {
  const c = {
    sends: 0,
    close: async () => {},
    async send(): Promise<RequestRecord> {
      const i = c.sends++;
      const rec = { ...newRequestRecord(0, 1, 5000 + 100 * i), sendMs: 100 * i, endMs: 100 * i + 10, chunkTimesMs: outcomes[i] ? [] : [100 * i + 5], error: outcomes[i] ?? null };
      return rec;
    },
  };
  return c;
}

const refused: RequestError = { reason: "connection", message: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1" };

describe("which failures are retried", () => {
  it("a connection fault before any response, and nothing else", () => {
    expect(isRetryableFault(failed(refused))).toBe(true);
    expect(isRetryableFault(failed({ reason: "connection", message: "ECONNRESET: socket hang up" }))).toBe(true);
    // not: TLS verification, a timeout, an HTTP status, a stream cut after the response began, a stop
    expect(isRetryableFault(failed({ reason: "connection", message: "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames" }))).toBe(false);
    expect(isRetryableFault(failed({ reason: "connection", message: "DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate" }))).toBe(false);
    expect(isRetryableFault(failed({ reason: "timeout", message: "no complete answer within 100 ms" }))).toBe(false);
    expect(isRetryableFault(failed({ reason: "http", status: 503, message: "HTTP 503: busy" }))).toBe(false);
    expect(isRetryableFault(failed({ reason: "disconnect", message: "connection closed mid-stream" }))).toBe(false);
    expect(isRetryableFault(failed({ reason: "aborted", message: "run stopped" }))).toBe(false);
    expect(isRetryableFault({ ...newRequestRecord(0, 1, 0), error: null })).toBe(false);
  });

  it("the simulator's reset fault and a closed port are connection faults through the real client", async () => {
    const sim = await startSimulator({ port: 0, ttftMs: 1, itlMs: 1 });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const body = JSON.stringify({ model: "meta-llama/Llama-3.1-8B-Instruct", prompt: "hi", max_tokens: 2, stream: true });
    try {
      for (const [baseUrl, headers] of [[sim.url, { "x-kneepoint-fault": "reset" }], [`http://127.0.0.1:${deadPort}`, {}]] as const) {
        const client = createStreamClient({ baseUrl, endpoint: "/v1/completions", headers, connections: 1, timeoutMs: 5000 });
        const rec = await client.send({ ...REQ, body }, new AbortController().signal);
        await client.close();
        expect(rec.error?.reason, baseUrl).toBe("connection");
        expect(isRetryableFault(rec), baseUrl).toBe(true);
      }
    } finally {
      await sim.close();
    }
  });
});

describe("the retry loop", () => {
  it("backoff: base × 2^attempt × (0.5 + jitter)", () => {
    const p = { retries: 3, backoffS: 0.5 };
    expect(retryBackoffMs(p, 0, 0.5)).toBe(500); // 500 × 1 × 1.0
    expect(retryBackoffMs(p, 1, 0)).toBe(500); // 500 × 2 × 0.5
    expect(retryBackoffMs(p, 2, 0.25)).toBe(1500); // 500 × 4 × 0.75
  });

  it("retries until an attempt gets a response; the record keeps the first send and says when the last was sent", async () => {
    const c = scripted([refused, refused, null]);
    const rec = await withRequestRetries(c, { retries: 3, backoffS: 0.001, random: () => 0 }).send(REQ, new AbortController().signal);
    expect(c.sends).toBe(3);
    expect(rec.error).toBeNull();
    expect([rec.sendMs, rec.sendEpochMs, rec.endMs, rec.retries]).toEqual([0, 5000, 210, { attempts: 2, lastAttemptSendMs: 200 }]);
  });

  it("stops after `retries` extra attempts, at a response that failed, and with no retry at all on a first success", async () => {
    const exhausted = scripted([refused, refused, refused]);
    const rec = await withRequestRetries(exhausted, { retries: 1, backoffS: 0.001 }).send(REQ, new AbortController().signal);
    expect([exhausted.sends, rec.error, rec.retries]).toEqual([2, refused, { attempts: 1, lastAttemptSendMs: 100 }]);

    const http: RequestError = { reason: "http", status: 500, message: "HTTP 500" };
    const answered = scripted([refused, http, null]);
    const rec2 = await withRequestRetries(answered, { retries: 5, backoffS: 0.001 }).send(REQ, new AbortController().signal);
    expect([answered.sends, rec2.error, rec2.retries?.attempts]).toEqual([2, http, 1]);

    const ok = scripted([null]);
    const rec3 = await withRequestRetries(ok, { retries: 5, backoffS: 0.001 }).send(REQ, new AbortController().signal);
    expect([ok.sends, "retries" in rec3]).toEqual([1, false]);
  });

  it("a stop during the backoff ends the retries at once", async () => {
    const c = scripted([refused, null]);
    const stop = new AbortController();
    const started = performance.now();
    const pending = withRequestRetries(c, { retries: 2, backoffS: 10 }).send(REQ, stop.signal);
    setTimeout(() => stop.abort(), 20);
    const rec = await pending;
    expect(performance.now() - started).toBeLessThan(2000);
    expect([c.sends, rec.error, "retries" in rec]).toEqual([1, refused, false]);
  });
});

describe("what the report makes of it", () => {
  const rec = (over: Partial<ScenarioRecord>): ScenarioRecord => ({ ...newRequestRecord(0, 1, 0), stage: 0, scheduledMs: 1000, sendMs: 1000, endMs: 1400, ...over });

  it("retry_wasted_sec: to the last attempt's send when it recovered, the whole request when it did not", () => {
    const r = rec({ retries: { attempts: 2, lastAttemptSendMs: 1250 } });
    expect(retryInfoOf(r, null)).toEqual({ attempted: 2, recovered: true, wastedS: 0.25 });
    expect(retryInfoOf(r, { error_type: "ServerDisconnectedError", error_msg: "Server disconnected" })).toEqual({ attempted: 2, recovered: false, wastedS: 0.4 });
    expect(retryInfoOf(rec({}), null)).toBeUndefined();
  });

  it("the retries block: counts, failed_after_retry, the waste's total and distribution; none without a retried request", () => {
    let s = addRetry(undefined, { attempted: 2, recovered: true, wastedS: 0.25 }, undefined);
    s = addRetry(s, { attempted: 1, recovered: false, wastedS: 0.5 }, undefined);
    const other = addRetry(undefined, { attempted: 3, recovered: true, wastedS: 0.75 }, undefined);
    const block = retrySummaryOf(mergeRetryStates([s, undefined, other]), [50]);
    expect(block).toEqual({ requests_retried: 3, attempts: 6, recovered: 2, failed_after_retry: 1, wasted_sec_total: 1.5, wasted_sec: { mean: 0.5, min: 0.25, max: 0.75, median: 0.5 } });
    expect(retrySummaryOf(undefined, [50])).toBeNull();
    expect(mergeRetryStates([undefined, undefined])).toBeUndefined();
  });

  it("a shard's stage state keeps the retried requests through JSON (kneepoint merge), and the report puts the block last", () => {
    const state = createStageState({ useServerOutputTokens: false, streaming: true, countsTokens: false, retokenizeChunks: false, maxErrorMessages: 5, goodput: null, perAdapter: false });
    const ok = (i: number, retries?: ScenarioRecord["retries"]) => rec({ index: i, chunkTimesMs: [1100, 1200], textChunks: 2, ...(retries ? { retries } : {}) });
    addScenarioRecord(state, ok(0, { attempts: 1, lastAttemptSendMs: 1100 }));
    addScenarioRecord(state, ok(1));
    const back = stageStateFromJson(JSON.parse(JSON.stringify(stageStateToJson(state))) as unknown, "shard 0");
    const report = buildLifecycleReportFromState(back.core, { percentiles: [50], goodput: null });
    expect(Object.keys(report).at(-1)).toBe("retries");
    expect(report.retries).toEqual({ requests_retried: 1, attempts: 1, recovered: 1, failed_after_retry: 0, wasted_sec_total: 0.1, wasted_sec: { mean: 0.1, min: 0.1, max: 0.1, median: 0.1 } });
    expect("retries" in buildLifecycleReportFromState(createStageState(back.options).core, { percentiles: [50], goodput: null })).toBe(false);
  });
});
