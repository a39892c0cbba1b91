/**
 * load.request_retries against the real inference-perf 0.7.0: the same config through inference-perf and through
 * `kneepoint run -c`, each against its own simulator that closes 40 % of connections before any response
 * (`faultResetRate`, the seeded `kneepoint sim --fault-reset-rate 0.4`). One request at a time (concurrency 1),
 * so both tools' attempts reach their simulator in the same order and draw the same faults: the retries block,
 * the per-request retry fields and every count must then be the same. Hand-checked too: attempts = POSTs − requests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { runBothTools, SIM_MODEL, type ToolName, type ToolResult } from "../anthropic/run-both-tools.ts";

const REQUESTS = 20;
const RETRIES = 1;

const config = (report: string, url: string) => `
api: {type: chat, streaming: true}
data: {type: mock}
load:
  type: concurrent
  stages: [{num_requests: ${REQUESTS}, concurrency_level: 1}]
  request_retries: ${RETRIES}
  request_retry_backoff_sec: 0.01
server: {type: vllm, model_name: ${SIM_MODEL}, base_url: ${url}}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true}
storage:
  local_storage: {path: ${report}}
`;

interface RetryBlock {
  requests_retried: number;
  attempts: number;
  recovered: number;
  failed_after_retry: number;
  wasted_sec_total: number;
  wasted_sec: Record<string, number>;
}
type Entry = { info: { retries_attempted?: number; retries_recovered?: boolean; retry_wasted_sec?: number }; error: unknown; start_time: number; end_time: number };

const skip = skipReason(INFERENCE_PERF_NEWEST);
let runs: Record<ToolName, ToolResult>;
const json = (r: ToolResult, file: string) => JSON.parse(readFileSync(join(r.reportDir, file), "utf8")) as Record<string, unknown>;

describe.skipIf(skip !== undefined)(`load.request_retries: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  beforeAll(async () => {
    runs = await runBothTools(config, { simOptions: { faultResetRate: 0.4 } });
  }, 300_000);
  afterAll(() => undefined);

  it("the same retries block in the summary and the stage report, and it adds up to the POSTs each tool sent", () => {
    const blocks = {} as Record<ToolName, RetryBlock>;
    for (const tool of ["inference-perf", "kneepoint"] as const) {
      const r = runs[tool];
      const summary = json(r, "summary_lifecycle_metrics.json");
      expect(Object.keys(summary).at(-1), tool).toBe("retries"); // the last key, after failures
      const b = summary.retries as RetryBlock;
      expect(json(r, "stage_0_lifecycle_metrics.json").retries, tool).toEqual(b);
      // every POST beyond the first of each request was a retry
      expect(b.attempts, tool).toBe(r.requests.length - REQUESTS);
      expect(b.recovered + b.failed_after_retry, tool).toBe(b.requests_retried);
      expect(Object.keys(b), tool).toEqual(["requests_retried", "attempts", "recovered", "failed_after_retry", "wasted_sec_total", "wasted_sec"]);
      blocks[tool] = b;
    }
    const counts = (b: RetryBlock) => [b.requests_retried, b.attempts, b.recovered, b.failed_after_retry];
    expect(counts(blocks.kneepoint)).toEqual(counts(blocks["inference-perf"]));
    // 40 % resets over 20 requests with one retry: some recover, some fail on their retry too (seeded: the same each run)
    expect(blocks.kneepoint.recovered).toBeGreaterThan(0);
    expect(blocks.kneepoint.failed_after_retry).toBeGreaterThan(0);
    // waste: at least the backoff (≥ 0.5 × 10 ms before the first extra attempt), far below a second per request
    for (const b of Object.values(blocks)) {
      expect(b.wasted_sec.min).toBeGreaterThanOrEqual(0.005);
      expect(b.wasted_sec_total).toBeLessThan(b.requests_retried * 1);
    }
  });

  it("the same retry fields per request, only on retried requests, latency counting the failed attempts", () => {
    const entries = (tool: ToolName) => json(runs[tool], "per_request_lifecycle_metrics.json") as unknown as Entry[];
    const view = (es: Entry[]) => es.map((e) => [e.info.retries_attempted ?? 0, e.info.retries_recovered ?? null, e.error === null]);
    expect(view(entries("kneepoint"))).toEqual(view(entries("inference-perf")));
    for (const tool of ["inference-perf", "kneepoint"] as const) {
      for (const e of entries(tool)) {
        if (e.info.retries_attempted === undefined) {
          expect(Object.keys(e.info), tool).not.toContain("retry_wasted_sec");
          continue;
        }
        expect(e.info.retries_recovered, tool).toBe(e.error === null);
        // the wasted time lies inside the request's own latency (start stays at the first attempt)
        expect(e.info.retry_wasted_sec!, tool).toBeLessThanOrEqual(e.end_time - e.start_time + 1e-9);
        if (!e.info.retries_recovered) expect(e.info.retries_attempted, tool).toBe(RETRIES);
      }
    }
  });

  it("the same report files, key paths, JSON types and counts", () => {
    const f = compareReportDirs(readReportDir(runs["inference-perf"].reportDir), readReportDir(runs.kneepoint.reportDir));
    const lines = [
      ...f.files.missing.map((n) => `missing in kneepoint: ${n}`),
      ...f.unreadable,
      ...f.shapes.flatMap(({ document, findings }) => formatShapeDifferences(findings).map((l) => `${document}: ${l}`)),
      ...f.counts.flatMap((c) => c.findings.map((d) => `${c.document}: ${d.field} inference-perf ${d.ip}, kneepoint ${d.kp}`)),
    ];
    expect(lines).toEqual([]);
  });
});
