/**
 * OTel session replay, kneepoint against the real inference-perf 0.7.0: the same config (the two fixture traces,
 * load.type trace_session_replay, base_seed fixed) through both tools, each against its own deterministic simulator
 * behind a recording proxy (timed-recording-target.ts). The simulator's answer depends only on the prompt, so the
 * live outputs each tool substitutes into later calls are the same text: the bodies must be the same multiset.
 * Both must also keep the graph's order (a call arrives only after its predecessors' answers ended), and write the
 * same session report files with the same keys, types and counts. Under CI=true a missing inference-perf fails.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { parseRawJson } from "../parity/raw-json.ts";
import { parseRawYaml } from "../parity/raw-yaml.ts";
import { formatShapeDifference, shapeDiff } from "../parity/shape-diff.ts";
import { startTimedRecordingTarget, type TimedBody } from "./timed-recording-target.ts";
import { rawCallsOf, type OtelSpan } from "../../src/scenarios/replay/otel-raw-calls.ts";
import { buildReplayGraph } from "../../src/scenarios/replay/otel-replay-graph.ts";

const TRACES = fileURLToPath(new URL("../fixtures/otel-traces", import.meta.url));
const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const SESSION_FILES = ["per_session_lifecycle_metrics.json", "stage_0_session_lifecycle_metrics.json", "summary_session_lifecycle_metrics.json"];

/** The 500 the proxy answers for chain's second call (both tools get the same body). */
const FAILED_CALL = "What should I do on day one?";
const FAILURE_BODY = JSON.stringify({ object: "error", message: "injected failure", type: "InternalServerError", code: 500 });

interface ParityCase {
  api?: "chat" | "anthropic_messages";
  streaming: boolean;
  stages: string;
  failSecondChainCall: boolean;
  /** The two sessions never overlap (concurrent_sessions 1, or one session per stage); else they run together. */
  oneAtATime: boolean;
  /** Requests sent in all, counted by hand from the fixture graphs. */
  requests: number;
  files: string[];
}

const CASES: Record<string, ParityCase> = {
  "streamed, one session at a time": {
    streaming: true,
    stages: "[{concurrent_sessions: 1}]",
    failSecondChainCall: false,
    oneAtATime: true,
    requests: 9, // 4 calls of fan_in_dependencies.json + 5 of kneepoint_chain.json
    files: SESSION_FILES,
  },
  "not streamed, two stages of one session, a failed call": {
    streaming: false,
    stages: "[{concurrent_sessions: 0, num_sessions: 1}, {concurrent_sessions: 2, num_sessions: 1}]",
    failSecondChainCall: true,
    oneAtATime: true,
    // fan-in's 4; chain's a1 and b2 (500): c3 quotes b2, d4 follows b2 (temporal), e5 quotes both — never sent
    requests: 6,
    files: ["per_session_lifecycle_metrics.json", "stage_0_session_lifecycle_metrics.json", "stage_1_session_lifecycle_metrics.json", "summary_session_lifecycle_metrics.json"],
  },
  "anthropic_messages, streamed, both sessions at once": {
    api: "anthropic_messages",
    streaming: true,
    stages: "[{concurrent_sessions: 0}]",
    failSecondChainCall: false,
    oneAtATime: false,
    requests: 9,
    files: SESSION_FILES,
  },
};

function config(c: ParityCase, target: string, reports: string): string {
  return `
api: {type: ${c.api ?? "chat"}, streaming: ${c.streaming}}
data:
  type: otel_trace_replay
  otel_trace_replay: {trace_directory: ${TRACES}, max_wait_ms: 150}
load: {type: trace_session_replay, base_seed: 11, num_workers: 1, interval: 0.2, stages: ${c.stages}}
server: {type: vllm, model_name: ${MODEL}, base_url: ${target}, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: ${TOKENIZER}}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true}
  session_lifecycle: {summary: true, per_stage: true, per_session: true}
storage: {local_storage: {path: ${reports}}}
`;
}

interface ToolResult {
  requests: TimedBody[];
  reports: string;
}

async function runTool(tool: "inference-perf" | "kneepoint", c: ParityCase): Promise<ToolResult> {
  const fail = (b: Record<string, unknown>) => (c.failSecondChainCall && (b.messages as Array<{ content: string }>).at(-1)?.content === FAILED_CALL ? { status: 500, body: FAILURE_BODY } : null);
  const target = await startTimedRecordingTarget(fail);
  const dir = mkdtempSync(join(tmpdir(), `kp-session-parity-${tool}-`));
  const reports = join(dir, "reports");
  mkdirSync(reports);
  writeFileSync(join(dir, "config.yaml"), config(c, target.url, reports));
  try {
    const run =
      tool === "kneepoint"
        ? await runKneepoint(["run", "-c", join(dir, "config.yaml"), "--no-charts", "--no-server-metrics"], { cwd: dir })
        : await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", join(dir, "config.yaml")], { cwd: dir, env: { ...process.env }, timeoutMs: 120_000 });
    if (run.code !== 0) throw new Error(`${tool} failed (exit ${run.code}):\n${tail(run.stderr + run.stdout, 40)}`);
  } finally {
    await target.close();
  }
  return { requests: target.requests, reports };
}

/** The graph of every fixture trace, by the content of each call's last recorded message (unique in the fixtures). */
function callsByLastMessage(): Map<string, { eventId: string; preds: string[]; file: string }> {
  const out = new Map<string, { eventId: string; preds: string[]; file: string }>();
  for (const f of readdirSync(TRACES).filter((n) => n.endsWith(".json"))) {
    const spans = (JSON.parse(readFileSync(join(TRACES, f), "utf8")) as { spans: OtelSpan[] }).spans;
    for (const e of buildReplayGraph(rawCallsOf(spans, true), f).events) out.set(e.call.messages.at(-1)!.content, { eventId: `${f}:${e.eventId}`, preds: e.predecessorEventIds.map((p) => `${f}:${p}`), file: f });
  }
  return out;
}

const lastContent = (b: TimedBody) => ((b.body.messages as Array<{ content: string }>).at(-1)?.content ?? "");
const sortedBodies = (r: ToolResult) => r.requests.map((q) => JSON.stringify(q.body)).sort();
const readJson = (r: ToolResult, f: string) => JSON.parse(readFileSync(join(r.reports, f), "utf8")) as Record<string, unknown>;

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`OTel session replay: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  const results = new Map<string, { ip: ToolResult; kp: ToolResult }>();
  beforeAll(async () => {
    for (const [name, c] of Object.entries(CASES)) {
      const [ip, kp] = await Promise.all([runTool("inference-perf", c), runTool("kneepoint", c)]);
      results.set(name, { ip, kp });
    }
  }, 200_000);

  for (const [name, c] of Object.entries(CASES)) {
    describe(name, () => {
      it("sends the same request bodies: the recorded messages with the live answers substituted, max_tokens from the trace", () => {
        const { ip, kp } = results.get(name)!;
        expect(kp.requests).toHaveLength(c.requests);
        expect(sortedBodies(kp)).toEqual(sortedBodies(ip));
        // The fan-in's last call carries the three live answers, not the recorded ones.
        const fanIn = kp.requests.find((q) => lastContent(q).startsWith("Now compare"))!;
        const assistants = (fanIn.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === "assistant").map((m) => m.content);
        expect(assistants).toHaveLength(3);
        expect(assistants.some((a) => a.includes("Easy to learn"))).toBe(false);
      });

      for (const tool of ["inference-perf", "kneepoint"] as const) {
        it(`${tool} sends a call only after its predecessors' answers ended, ${c.oneAtATime ? "one session after the other" : "the sessions together"}`, () => {
          const r = tool === "kneepoint" ? results.get(name)!.kp : results.get(name)!.ip;
          const calls = callsByLastMessage();
          const byEvent = new Map(r.requests.map((q) => [calls.get(lastContent(q))!.eventId, q]));
          expect(byEvent.size).toBe(c.requests);
          for (const [eventId, q] of byEvent) {
            for (const p of [...calls.values()].find((x) => x.eventId === eventId)!.preds) {
              expect(q.arrivedMs, `${eventId} after ${p}`).toBeGreaterThanOrEqual(byEvent.get(p)!.endedMs);
            }
          }
          // one session at a time: the first session's calls all end before the second's first call; together: the
          // second session starts before the first ends
          const files = r.requests.map((q) => calls.get(lastContent(q))!.file);
          const lastOfFirst = Math.max(...r.requests.filter((_, i) => files[i] === files[0]).map((q) => q.endedMs));
          const firstOfSecond = Math.min(...r.requests.filter((_, i) => files[i] !== files[0]).map((q) => q.arrivedMs));
          if (c.oneAtATime) expect(firstOfSecond).toBeGreaterThanOrEqual(lastOfFirst);
          else expect(firstOfSecond).toBeLessThan(lastOfFirst);
        });
      }

      it("writes the same session report files, with the same keys and Python types", () => {
        const { ip, kp } = results.get(name)!;
        const names = (r: ToolResult) => readdirSync(r.reports).filter((n) => n.includes("session")).sort();
        expect(names(ip)).toEqual(c.files);
        expect(names(kp)).toEqual(c.files);
        for (const f of [...c.files, "stage_0_lifecycle_metrics.json", "summary_lifecycle_metrics.json", "per_request_lifecycle_metrics.json"]) {
          const diffs = shapeDiff(parseRawJson(readFileSync(join(ip.reports, f), "utf8")), parseRawJson(readFileSync(join(kp.reports, f), "utf8")))
            // Known gap, named: 0.7.0 lists the session of each failed *request* in the request lifecycle reports'
            // failures.by_label messages; kneepoint's request reports do not carry session ids yet (shared with the
            // multi-turn session work). The session reports' own by_label does carry them, and is compared.
            .filter((d) => !(d.kind === "missing" && f.endsWith("_lifecycle_metrics.json") && !f.includes("session") && /^failures\.by_label\[.*\]\.messages\[\d+\]\.session_ids$/.test(d.path)));
          expect(diffs.map(formatShapeDifference), f).toEqual([]);
        }
        // every file 0.7.0 writes, and only those (beside kneepoint's own kneepoint_*.json)
        const all = (r: ToolResult) => readdirSync(r.reports).filter((n) => !n.startsWith("kneepoint_")).sort();
        expect(all(kp)).toEqual(all(ip));
        for (const f of all(ip).filter((n) => n.startsWith("inference-perf.partial."))) {
          const partial = (r: ToolResult) => parseRawYaml(readFileSync(join(r.reports, f), "utf8"));
          expect(shapeDiff(partial(ip), partial(kp)).map(formatShapeDifference), f).toEqual([]);
        }
        // config.yaml: the otel_trace_replay block and the session stages with 0.7.0's keys, order and types
        const config = (r: ToolResult) => parseRawYaml(readFileSync(join(r.reports, "config.yaml"), "utf8"));
        expect(shapeDiff(config(ip), config(kp)).map(formatShapeDifference)).toEqual([]);
      });

      it("counts the same sessions, events, tokens and failures", () => {
        const { ip, kp } = results.get(name)!;
        const counts = (r: ToolResult) => {
          const s = readJson(r, "summary_session_lifecycle_metrics.json");
          const per = readJson(r, "per_session_lifecycle_metrics.json") as unknown as Array<Record<string, unknown>>;
          const stages = c.files.filter((f) => f.startsWith("stage_")).map((f) => {
            const meta = readJson(r, f).stage_metadata as Record<string, unknown>;
            return [meta.stage_id, meta.status, meta.timeout_configured, meta.concurrent_sessions, meta.session_rate, meta.dropped_requests];
          });
          return {
            summary: [s.num_sessions, s.num_sessions_succeeded, s.num_sessions_failed, s.total_events, s.total_events_completed, s.total_events_cancelled, s.sessions_with_tfut, s.tfut_none_reasons, s.failures],
            stages,
            // in completion order in both files: sorted, as sessions that run together may end in either order
            sessions: [...per].sort((a, b) => String(a.session_id).localeCompare(String(b.session_id))).map((p) => [p.session_id, p.stage_id, p.file_path, p.num_events, p.num_events_completed, p.num_events_cancelled, p.success, p.error, p.total_input_tokens, p.total_output_tokens, p.user_facing_event_ids, p.tfut_none_reason]),
          };
        };
        const k = counts(kp);
        expect(k).toEqual(counts(ip));
        expect(k.summary.slice(0, 6)).toEqual(c.failSecondChainCall ? [2, 1, 1, 9, 5, 3] : [2, 2, 0, 9, 9, 0]);
      });
    });
  }
});
