/**
 * api.slo_* (src/scenarios/report/slo-headers.ts, goodput-metrics.ts) and api.session_*_header_key
 * (src/engine/session-headers.ts) by hand: thresholds read from api.headers in the configured unit, per-request
 * SLOs replacing the ttft / tpot constraint only on requests that carry them, the warnings for keys that would do
 * nothing, and the session id and token headers through the real stream client against a server that hands out
 * tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createStreamClient } from "../../src/engine/openai-stream-client.ts";
import { apiKeyWarnings } from "../../src/scenarios/config/api-key-warnings.ts";
import { addGoodputRequest, createGoodputCounts, goodputMetricsOf, mergeGoodputCounts, type GoodputConstraints } from "../../src/scenarios/report/goodput-metrics.ts";
import type { LifecycleMetrics } from "../../src/scenarios/report/lifecycle-metrics.ts";
import { goodputWithSloHeaders, sloHeaderLimits, sloHeaderNames } from "../../src/scenarios/report/slo-headers.ts";

const api = (headers: Record<string, string> | null, unit: string | null = null, ttft: string | null = null, tpot: string | null = null) => ({ headers, slo_unit: unit, slo_ttft_header: ttft, slo_tpot_header: tpot });

describe("SLOs from the request headers", () => {
  it("reads x-slo-ttft-<unit> / x-slo-tpot-<unit> (any case) in the unit, or the named headers; 'default' and junk set none", () => {
    expect(sloHeaderLimits(api({ "X-SLO-TTFT-MS": "250", "x-slo-tpot-ms": " 20 " }))).toEqual({ ttft: 0.25, tpot: 0.02, warnings: [] });
    expect(sloHeaderLimits(api({ "x-slo-ttft-s": "2", "x-slo-tpot-s": "default" }, "s"))).toEqual({ ttft: 2, warnings: [] });
    expect(sloHeaderLimits(api({ "x-slo-ttft-us": "1.5e5" }, "us"))).toEqual({ ttft: 0.15, warnings: [] });
    // another unit: the header name follows it, the factor is 1 (0.7.0's unit_to_s.get(unit, 1.0))
    expect(sloHeaderLimits(api({ "x-slo-ttft-min": "3" }, "min"))).toEqual({ ttft: 3, warnings: [] });
    expect(sloHeaderLimits(api({ "My-TTFT": "100", "My-TPOT": "abc" }, null, "my-ttft", "my-tpot"))).toEqual({
      ttft: 0.1,
      warnings: [expect.stringMatching(/api\.headers my-tpot: "abc" is not a number/)],
    });
    expect(sloHeaderLimits(api(null))).toEqual({ warnings: [] });
    expect(sloHeaderNames({ slo_unit: "s", slo_ttft_header: null, slo_tpot_header: "X-Budget" })).toEqual(["x-slo-ttft-s", "x-budget"]);
  });

  const m = (ttftS: number | null, tpotS: number | null, latencyS = 1): LifecycleMetrics => ({
    requestLatencyS: latencyS,
    ntpotS: 0.01,
    ttftS,
    tpotS,
    itlMeanS: tpotS,
    itlDeltasS: [],
    inputTokens: 10,
    clientOutputTokens: 5,
    serverOutputTokens: 5,
    effectiveOutputTokens: 5,
  });

  it("a header SLO replaces the constraint on the requests that carry it; attainment is over the requests with a limit", () => {
    // constraints ttft 0.5 s, latency 2 s; header SLOs ttft 0.1 s, tpot 0.01 s on streamed requests with content
    const c = goodputWithSloHeaders({ ttft: 0.5, request_latency: 2 }, { ttft: 0.1, tpot: 0.01, warnings: [] }) as GoodputConstraints;
    const counts = createGoodputCounts(c);
    addGoodputRequest(counts, m(0.05, 0.005), c, true); // header: ttft ✓ tpot ✓, latency ✓ → good
    addGoodputRequest(counts, m(0.2, 0.005), c, true); // header ttft 0.1 ✗ (the constraint 0.5 would hold)
    addGoodputRequest(counts, m(0.2, null), c, false); // no header: ttft 0.5 ✓, no tpot limit, latency ✓ → good
    const other = createGoodputCounts(c);
    addGoodputRequest(other, m(0.05, 0.02, 3), c, true); // tpot ✗, latency ✗
    const merged = mergeGoodputCounts([counts, other], c);
    expect(merged).toEqual({ good: 2, goodTokens: 30, attained: [3, 2, 3], applicable: [4, 3, 4] });
    expect(goodputMetricsOf(merged, 4, 10, c)).toEqual({
      goodput_percentage: 50,
      request_goodput: 0.2,
      token_goodput: 3,
      good_requests: 2,
      total_requests: 4,
      ttft_attainment_percentage: 75,
      tpot_attainment_percentage: (2 / 3) * 100,
      request_latency_attainment_percentage: 75,
    });
  });

  it("header SLOs without constraints: no goodput_metrics when no request carried them (not streamed)", () => {
    const c = goodputWithSloHeaders(null, { ttft: 0.1, warnings: [] }) as GoodputConstraints;
    const counts = createGoodputCounts(c);
    addGoodputRequest(counts, m(0.05, 0.01), c, false);
    expect(goodputMetricsOf(counts, 1, 1, c)).toBeNull();
    addGoodputRequest(counts, m(0.05, 0.01), c, true);
    expect(goodputMetricsOf(counts, 2, 1, c)).toEqual({ goodput_percentage: 100, request_goodput: 2, token_goodput: 30, good_requests: 2, total_requests: 2, ttft_attainment_percentage: 100 });
    expect(goodputWithSloHeaders(null, { warnings: [] })).toBeNull();
  });

  it("warns about keys that do nothing: SLO keys without their header, session keys without sessions", () => {
    const doc = (apiBlock: object, data: object = { type: "mock" }) => ({ api: apiBlock, data });
    expect(apiKeyWarnings(doc({ slo_unit: "ms" }))).toEqual([expect.stringMatching(/neither x-slo-ttft-ms nor x-slo-tpot-ms is in api\.headers/)]);
    expect(apiKeyWarnings(doc({ slo_unit: "ms", headers: { "x-slo-ttft-ms": "100" } }))).toEqual([]);
    expect(apiKeyWarnings(doc({ session_id_header_key: "x-session-id" }))).toEqual([expect.stringMatching(/api\.session_id_header_key: no request of data\.type mock belongs to a session/)]);
    expect(apiKeyWarnings(doc({ session_token_header_key: "x-t" }, { type: "shared_prefix", shared_prefix: { enable_multi_turn_chat: true } }))).toEqual([]);
    expect(apiKeyWarnings(doc({ streaming: true }))).toEqual([]);
    expect(apiKeyWarnings(doc({ type: "anthropic_messages", response_format: { type: "json_object" } }))).toEqual([expect.stringMatching(/api\.response_format is not sent with api\.type anthropic_messages/)]);
  });
});

describe("session headers through the stream client", () => {
  let server: Server;
  let url = "";
  const seen: IncomingHttpHeaders[] = [];
  let issued = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on("end", () => {
        issued++;
        res.writeHead(200, { "content-type": "application/json", "X-Session-Token": `tok-${issued}` });
        res.end(JSON.stringify({ choices: [{ index: 0, text: "a" }], usage: { prompt_tokens: 1, completion_tokens: 1 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends the session id, and each session's last token back on its next request; nothing for a request without a session", async () => {
    const client = createStreamClient({
      baseUrl: url,
      endpoint: "/v1/completions",
      headers: { "x-session-id": "configured" },
      connections: 1,
      timeoutMs: 5000,
      streaming: false,
      sessionHeaders: { idHeader: "x-session-id", tokenHeader: "x-session-token" },
    });
    const send = (sessionId?: string) => client.send({ index: 0, body: "{}", plannedPromptTokens: 1, ...(sessionId ? { sessionId } : {}) }, new AbortController().signal);
    try {
      for (const s of ["a", "b", "a", undefined, "a"]) expect((await send(s)).error).toBeNull();
    } finally {
      await client.close();
    }
    const view = seen.map((h) => [h["x-session-id"], h["x-session-token"]]);
    expect(view).toEqual([
      ["a", undefined], // tok-1 comes back for a
      ["b", undefined], // tok-2 for b
      ["a", "tok-1"], // tok-3 for a
      ["configured", undefined], // no session: only the configured header, no token
      ["a", "tok-3"],
    ]);
  });
});
