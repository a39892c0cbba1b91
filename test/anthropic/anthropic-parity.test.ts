/**
 * api.type anthropic_messages against the real inference-perf 0.7.0: each config runs through inference-perf and
 * through `kneepoint run -c`, each against its own simulator (which serves /v1/messages as vLLM does) behind a
 * recording proxy. Compared: the path, the bodies (mock prompts, so byte for byte once parsed, and the key order),
 * the API headers (x-api-key and anthropic-version instead of Authorization), and the report directories — the same
 * files, the same key paths and JSON types, the same counts and the same tokens per request (token counts from
 * usage.output_tokens; with a tokenizer block 0.7.0 keeps no token times for these answers, and kneepoint neither).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { compareReportDirs, type ParityFindings } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { apiHeaders } from "./recording-proxy.ts";
import { runBothTools, SIM_MODEL, TINY_TOKENIZER, type ToolName, type ToolResult } from "./run-both-tools.ts";

const API_KEY = "sk-anthropic-test-0001";

const config = (streaming: boolean, tokenizer: boolean) => (report: string, url: string) => `
api:
  type: anthropic_messages
  streaming: ${streaming}
data:
  type: mock
load:
  type: constant
  stages: [{rate: 8, duration: 1}]
server:
  type: vllm
  model_name: ${SIM_MODEL}
  base_url: ${url}
  api_key: ${API_KEY}
${tokenizer ? `tokenizer:\n  pretrained_model_name_or_path: ${TINY_TOKENIZER}\n` : ""}report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true}
storage:
  local_storage: {path: ${report}}
`;

const CASES = { streamed: config(true, true), "not streamed": config(false, false) } as const;
type CaseName = keyof typeof CASES;

const skip = skipReason(INFERENCE_PERF_NEWEST);
const results = new Map<CaseName, Record<ToolName, ToolResult>>();

function findingLines(f: ParityFindings): string[] {
  return [
    ...f.files.missing.map((n) => `missing in kneepoint: ${n}`),
    ...f.files.extraMatchingGlobs.map((e) => `kneepoint writes ${e.name}, which inference-perf's glob ${e.glob} picks up`),
    ...f.unreadable,
    ...f.shapes.flatMap(({ document, findings }) => formatShapeDifferences(findings).map((l) => `${document}: ${l}`)),
    ...f.counts.flatMap((c) => c.findings.map((d) => `${c.document}: ${d.field} inference-perf ${d.ip}, kneepoint ${d.kp}`)),
    ...f.tokens.map((t) => `per-request ${t.field}: inference-perf ${t.ip}, kneepoint ${t.kp}`),
  ];
}

describe.skipIf(skip !== undefined)(`api.type anthropic_messages: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  beforeAll(async () => {
    for (const [name, render] of Object.entries(CASES) as [CaseName, (typeof CASES)[CaseName]][]) results.set(name, await runBothTools(render));
  }, 300_000);
  afterAll(() => results.clear());

  for (const name of Object.keys(CASES) as CaseName[]) {
    const streaming = name === "streamed";
    describe(name, () => {
      it("the same POST /v1/messages bodies: {model, messages, max_tokens 30, stream}, no ignore_eos or stream_options", () => {
        const { "inference-perf": ip, kneepoint: kp } = results.get(name)!;
        expect(ip.requests.length).toBe(8);
        expect(kp.requests.length).toBe(8);
        for (const r of [...ip.requests, ...kp.requests]) {
          expect(r.path).toBe("/v1/messages");
          expect(Object.keys(r.body)).toEqual(["model", "messages", "max_tokens", "stream"]);
          expect({ ...r.body, messages: null }).toEqual({ model: SIM_MODEL, messages: null, max_tokens: 30, stream: streaming });
          expect(r.body.messages).toEqual([{ role: "user", content: expect.stringMatching(/^mock prompt [1-8]$/) }]);
        }
        const byContent = (rs: ToolResult["requests"]) => rs.map((r) => JSON.stringify(r.body)).sort();
        expect(byContent(kp.requests)).toEqual(byContent(ip.requests));
      });

      it("the same API headers: x-api-key and anthropic-version 2023-06-01, no Authorization", () => {
        const { "inference-perf": ip, kneepoint: kp } = results.get(name)!;
        const expected = { "content-type": "application/json", "x-api-key": API_KEY, "anthropic-version": "2023-06-01" };
        for (const r of [...ip.requests, ...kp.requests]) expect(apiHeaders(r.headers)).toEqual(expected);
      });

      it("the same report files, key paths, JSON types, counts and tokens per request", () => {
        const { "inference-perf": ip, kneepoint: kp } = results.get(name)!;
        const findings = compareReportDirs(readReportDir(ip.reportDir), readReportDir(kp.reportDir));
        expect(readReportDir(kp.reportDir).files).toEqual(expect.arrayContaining(["summary_lifecycle_metrics.json", "stage_0_lifecycle_metrics.json", "per_request_lifecycle_metrics.json"]));
        expect(findingLines(findings)).toEqual([]);
      });
    });
  }
});
