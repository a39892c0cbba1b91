/**
 * OTel traces from a Hugging Face dataset (`otel_trace_replay.hf_dataset_path`), kneepoint against the real
 * inference-perf 0.7.0: both read the same small trace dataset from the Hub stand-in (test/hub/hub-server.ts) through
 * HF_ENDPOINT, each with a fresh HF_HOME, and replay it against a deterministic simulator behind a recording proxy.
 * The dataset (otel-trace-dataset.ts) is laid out as the Hub's datasets are: a README without `configs`,
 * data/train.jsonl (the train split: two records, one without session_id and source_id) and data/test.jsonl (the
 * test split, which neither tool may replay). Both must send the same bodies, the sessions in the
 * same order (load.base_seed's shuffle), and name the sessions and their file_path alike in the session report.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { startHubServer, type RunningHub } from "../hub/hub-server.ts";
import { parseRawJson } from "../parity/raw-json.ts";
import { parseRawYaml } from "../parity/raw-yaml.ts";
import { formatShapeDifference, shapeDiff } from "../parity/shape-diff.ts";
import { startTimedRecordingTarget, type TimedBody } from "./timed-recording-target.ts";
import { fixtureTrace as trace, otelTraceDatasetRepo, otelTraceParquetRepo } from "./otel-trace-dataset.ts";

const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const REPO = "kp-test/otel-traces-jsonl";
const TOKEN = "hf_otel_parity_token";
const PARQUET_REPO = "kp-test/otel-traces-parquet";

interface ParityCase {
  /** The otel_trace_replay block's source and filter lines. */
  data: string;
  /** Requests sent, counted by hand from the fixture traces (fan-in 4 calls, chain 5). */
  requests: number;
  traces: string[];
  /** Headers the config maps span attributes to (compared per request, with the body). */
  headers?: string[];
}

const TRACES = fileURLToPath(new URL("../fixtures/otel-traces/", import.meta.url));
const CASES: Record<string, ParityCase> = {
  "hf_dataset_path, the train split": { data: `hf_dataset_path: {path: ${REPO}, split: train, revision: main}`, requests: 9, traces: ["chain", "fan_in"] },
  // the filter sees the dataset's columns; the chain record has no session_id (null in the dataset's table)
  // the parquet file datasets writes for the same records (spans a JSON-typed column: the two traces' spans differ)
  "hf_dataset_path, a parquet dataset": { data: `hf_dataset_path: ${PARQUET_REPO}`, requests: 9, traces: ["chain", "fan_in"] },
  "hf_dataset_path and a filter over the records' columns": { data: `{hf_dataset_path: ${REPO}, filter: "lambda x: x['benchmark'] in ('swe', 'other') and x.get('session_id') is None"}`, requests: 5, traces: ["chain"] },
  // local files: the filter sees 0.7.0's normalized record (harness/benchmark 'unknown', models from the spans)
  // local files: the filter sees 0.7.0's normalized record (harness/benchmark 'unknown', models from the spans); the
  // fan-in's spans carry exgentic.session.id, an int max_tokens and a float temperature, and no gen_ai.missing
  "trace_directory, a filter over the normalized record, span attributes as headers and labels": {
    data: `{trace_directory: ${TRACES}, filter: "lambda x: x['benchmark'] == 'unknown' and 'gpt-4' in x['models'] and x['total_tokens'] == 0", attribute_to_header_map: {exgentic.session.id: X-Trace-Session, gen_ai.request.max_tokens: x-max-tokens, gen_ai.request.temperature: X-Temperature, gen_ai.missing: X-Missing}, attribute_to_label_map: {gen_ai.request.model: model, gen_ai.request.temperature: temperature, gen_ai.missing: missing}}`,
    requests: 4,
    traces: ["fan_in"],
    headers: ["x-trace-session", "x-max-tokens", "x-temperature", "x-missing"],
  },
};

function config(c: ParityCase, target: string, reports: string): string {
  const source = c.data.startsWith("{") ? c.data.slice(1, -1) : c.data;
  return `
api: {type: chat, streaming: false}
data:
  type: otel_trace_replay
  otel_trace_replay: {${source}, max_wait_ms: 100}
load: {type: trace_session_replay, base_seed: 5, num_workers: 1, stages: [{concurrent_sessions: 1}]}
server: {type: vllm, model_name: ${MODEL}, base_url: ${target}, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: ${TOKENIZER}}
report:
  request_lifecycle: {summary: true, per_stage: false, per_request: true}
  session_lifecycle: {summary: true, per_stage: false, per_session: true}
storage: {local_storage: {path: ${reports}}}
`;
}

interface ToolResult {
  requests: TimedBody[];
  reports: string;
  output: string;
}

async function runTool(tool: "inference-perf" | "kneepoint", c: ParityCase, hub: RunningHub): Promise<ToolResult> {
  const target = await startTimedRecordingTarget();
  const dir = mkdtempSync(join(tmpdir(), `kp-otel-hub-${tool}-`));
  const reports = join(dir, "reports");
  mkdirSync(reports);
  writeFileSync(join(dir, "config.yaml"), config(c, target.url, reports));
  const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, "hf"), HF_TOKEN: TOKEN };
  try {
    const run =
      tool === "kneepoint"
        ? await runKneepoint(["run", "-c", join(dir, "config.yaml"), "--no-charts", "--no-server-metrics"], { cwd: dir, env })
        : await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", join(dir, "config.yaml")], { cwd: dir, env: { ...process.env, ...env }, timeoutMs: 120_000 });
    if (run.code !== 0) throw new Error(`${tool} failed (exit ${run.code}):\n${tail(run.stderr + run.stdout, 40)}`);
    return { requests: target.requests, reports, output: run.stdout + run.stderr };
  } finally {
    await target.close();
  }
}

const lastContent = (q: TimedBody) => (q.body.messages as Array<{ content: string }>).at(-1)!.content;
/** The recorded message contents of the fan-in trace (the two fixture traces share none). */
const FAN_IN_CONTENTS = new Set(
  (trace("fan_in_dependencies.json").spans as Array<{ attributes: Record<string, string> }>).flatMap((s) => (JSON.parse(s.attributes["gen_ai.input.messages"]!) as Array<{ content: string }>).map((m) => m.content)),
);
const traceOf = (q: TimedBody) => (FAN_IN_CONTENTS.has(lastContent(q)) ? "fan_in" : "chain");
const sessionOrder = (r: ToolResult) => r.requests.map(traceOf).filter((t, i, all) => i === 0 || all[i - 1] !== t);
const perSession = (r: ToolResult) =>
  (JSON.parse(readFileSync(join(r.reports, "per_session_lifecycle_metrics.json"), "utf8")) as Array<Record<string, unknown>>).map((s) => [s.session_id, s.file_path, s.num_events, s.success]);

const perRequest = (r: ToolResult) => JSON.parse(readFileSync(join(r.reports, "per_request_lifecycle_metrics.json"), "utf8")) as Array<{ request: string; info: { labels: Record<string, string> } }>;

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`OTel traces from a Hugging Face dataset, filters: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  let hub: RunningHub;
  const results = new Map<string, { ip: ToolResult; kp: ToolResult }>();
  beforeAll(async () => {
    hub = await startHubServer([otelTraceDatasetRepo(REPO, TOKEN), otelTraceParquetRepo(PARQUET_REPO, peerBin(INFERENCE_PERF_NEWEST, "python"))]);
    for (const [name, c] of Object.entries(CASES)) {
      const [ip, kp] = await Promise.all([runTool("inference-perf", c, hub), runTool("kneepoint", c, hub)]);
      results.set(name, { ip, kp });
    }
  }, 300_000);
  afterAll(() => hub?.close());

  for (const [name, c] of Object.entries(CASES)) {
    describe(name, () => {
      it(`sends the same bodies: ${c.traces.join(" and ")} (${c.requests} calls)`, () => {
        const { ip, kp } = results.get(name)!;
        expect(kp.requests).toHaveLength(c.requests);
        expect(kp.requests.map((q) => JSON.stringify(q.body)).sort()).toEqual(ip.requests.map((q) => JSON.stringify(q.body)).sort());
      });

      if (c.headers) {
        it("sends the mapped span attributes as headers and records them as labels, as 0.7.0 does", () => {
          const { ip, kp } = results.get(name)!;
          const withHeaders = (r: ToolResult) => r.requests.map((q) => JSON.stringify([q.body, c.headers!.map((h) => q.headers[h] ?? null)])).sort();
          expect(withHeaders(kp)).toEqual(withHeaders(ip));
          const labels = (r: ToolResult) => perRequest(r).map((e) => JSON.stringify([e.request, e.info.labels])).sort();
          expect(labels(kp)).toEqual(labels(ip));
          // by hand: the fan-in's spans: exgentic.session.id session_003, temperature 0.7, max_tokens 500 (three) and 1500 (the last)
          expect(kp.requests.map((q) => c.headers!.map((h) => q.headers[h]).join(" ")).sort()).toEqual([...Array(3).fill("session_003 500 0.7 default"), "session_003 1500 0.7 default"].sort());
          expect(perRequest(kp).map((e) => e.info.labels)).toEqual(Array(4).fill({ model: "gpt-4", temperature: "0.7", missing: "default" }));
        });
      }

      it("writes config.yaml and the request and session reports with 0.7.0's keys and types", () => {
        const { ip, kp } = results.get(name)!;
        const yaml = (r: ToolResult) => parseRawYaml(readFileSync(join(r.reports, "config.yaml"), "utf8"));
        expect(shapeDiff(yaml(ip), yaml(kp)).map(formatShapeDifference)).toEqual([]);
        for (const f of ["per_request_lifecycle_metrics.json", "per_session_lifecycle_metrics.json", "summary_session_lifecycle_metrics.json"]) {
          const json = (r: ToolResult) => parseRawJson(readFileSync(join(r.reports, f), "utf8"));
          expect(shapeDiff(json(ip), json(kp)).map(formatShapeDifference), f).toEqual([]);
        }
      });

      it("replays the sessions in the same order (one at a time), named alike with the same file_path", () => {
        const { ip, kp } = results.get(name)!;
        expect([...sessionOrder(kp)].sort()).toEqual(c.traces);
        expect(sessionOrder(kp)).toEqual(sessionOrder(ip));
        expect(perSession(kp)).toEqual(perSession(ip));
      });
    });
  }

  it("hf_dataset_path: the sessions are trace<slot>_<session_id>, or trace<slot>_session_<slot> with that id as file_path", () => {
    const sessions = perSession(results.get("hf_dataset_path, the train split")!.kp);
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s) => String(s[0]).endsWith("_fan_in"))![1]).toBe("otel/fan_in_dependencies.json");
    const chain = sessions.find((s) => /^trace\d_session_\d$/.test(String(s[0])))!;
    expect(chain[1]).toBe(chain[0]);
  });

  it("both read the dataset from HF_ENDPOINT with the token, and never print it", () => {
    const reads = hub.requests.filter((r) => r.path.includes(`/${REPO}/resolve/`) && r.path.endsWith("/data/train.jsonl"));
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(hub.requests.filter((r) => r.path.includes(`/${REPO}/`)).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // datasets downloads every split's files to prepare the dataset (one GET per run of 0.7.0); kneepoint only the train split's
    expect(hub.requests.filter((r) => r.path.endsWith("/data/test.jsonl") && r.method === "GET")).toHaveLength(2);
    for (const { kp } of results.values()) expect(kp.output).not.toContain(TOKEN);
  });
});
