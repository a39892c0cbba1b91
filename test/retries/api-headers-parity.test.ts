/**
 * api.slo_unit / slo_ttft_header / slo_tpot_header and api.session_id_header_key / session_token_header_key against
 * the real inference-perf 0.7.0 (the same config through both tools, each behind a recording proxy in front of its
 * own simulator). 0.7.0 sends no header of its own for any of them here: the SLO thresholds are the configured
 * api.headers (sent as they are), read back as per-request SLOs for streamed answers; the session headers go only
 * with requests of a session, and mock data has none. Expected by hand: the simulator answers the first token in
 * ~5 ms and one token a ms after, so a 1000 ms TTFT SLO always holds, a −1 ms TPOT SLO never does (a TPOT is ≥ 0), and the
 * 10 s request_latency constraint always holds: attainments 100 / 0 / 100 over 8 requests, 0 good.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { apiHeaders } from "../anthropic/recording-proxy.ts";
import { runBothTools, SIM_MODEL, type ToolName, type ToolResult } from "../anthropic/run-both-tools.ts";

const config = (streaming: boolean) => (report: string, url: string) => `
api:
  type: chat
  streaming: ${streaming}
  headers: {X-SLO-TTFT-MS: "1000", x-slo-tpot-ms: "-1"}
  slo_unit: ms
  session_id_header_key: x-session-id
  session_token_header_key: x-session-token
data: {type: mock}
load:
  type: constant
  stages: [{rate: 8, duration: 1}]
server: {type: vllm, model_name: ${SIM_MODEL}, base_url: ${url}}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: false}
  ${streaming ? "goodput: {constraints: {request_latency: 10}}" : ""}
storage:
  local_storage: {path: ${report}}
`;

const skip = skipReason(INFERENCE_PERF_NEWEST);
const results = new Map<"streamed", Record<ToolName, ToolResult>>();
const summary = (r: ToolResult) => JSON.parse(readFileSync(join(r.reportDir, "summary_lifecycle_metrics.json"), "utf8")) as { successes: { count: number; goodput_metrics?: Record<string, number> } };

describe.skipIf(skip !== undefined)(`api SLO and session header keys: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  beforeAll(async () => {
    results.set("streamed", await runBothTools(config(true)));
  }, 300_000);

  it("both send the configured headers as they are, and no session header (mock data has no sessions)", () => {
    {
      const runs = results.get("streamed")!;
      for (const tool of ["inference-perf", "kneepoint"] as const) {
        expect(runs[tool].requests.length, tool).toBe(8);
        for (const r of runs[tool].requests) {
          expect(apiHeaders(r.headers), tool).toEqual({ "content-type": "application/json", "x-slo-ttft-ms": "1000", "x-slo-tpot-ms": "-1" });
        }
      }
    }
  });

  it("streamed: the header SLOs replace ttft/tpot per request: the same goodput_metrics, 100 / 0 / 100 % attained, 0 good", () => {
    const runs = results.get("streamed")!;
    const ip = summary(runs["inference-perf"]).successes;
    const kp = summary(runs.kneepoint).successes;
    expect(ip.count).toBe(8);
    expect(kp.count).toBe(8);
    const exact = (g: Record<string, number>) => ({ ...g, request_goodput: 0, token_goodput: 0 });
    const expected = { goodput_percentage: 0, request_goodput: 0, token_goodput: 0, good_requests: 0, total_requests: 8, ttft_attainment_percentage: 100, tpot_attainment_percentage: 0, request_latency_attainment_percentage: 100 };
    for (const g of [ip.goodput_metrics!, kp.goodput_metrics!]) {
      expect(exact(g)).toEqual(expected);
      expect(Object.keys(g)).toEqual(Object.keys(expected));
    }
  });

  it("the same report files, key paths, JSON types and counts (config.yaml included)", () => {
    for (const [name, runs] of results) {
      const f = compareReportDirs(readReportDir(runs["inference-perf"].reportDir), readReportDir(runs.kneepoint.reportDir));
      const lines = [
        ...f.files.missing.map((n) => `missing in kneepoint: ${n}`),
        ...f.unreadable,
        ...f.shapes.flatMap(({ document, findings }) => formatShapeDifferences(findings).map((l) => `${document}: ${l}`)),
        ...f.counts.flatMap((c) => c.findings.map((d) => `${c.document}: ${d.field} inference-perf ${d.ip}, kneepoint ${d.kp}`)),
      ];
      expect(lines, name).toEqual([]);
    }
  });
});
