/**
 * The real inference-perf 0.7.0 replaying the tool-call fixture trace (weather_tool_call.json) against kneepoint's
 * simulator, streamed and not: the simulator's tool calls are what 0.7.0 captures and substitutes (its live
 * `chatcmpl-tool-…` call replaces the recorded `call_w1` one, and the role:tool result takes the live id), and the bodies
 * follow the rules src/scenarios/replay/tool-call-replay.ts ports (tool_choice, ignore_eos, max_tokens, tools).
 * kneepoint replays the same config against its own simulator: the same bodies once the live `chatcmpl-tool-…` ids
 * (random per answer) are numbered by order of appearance, and the same session counts, tokens and report shapes.
 * Under CI=true a missing inference-perf fails.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { parseRawJson } from "../parity/raw-json.ts";
import { formatShapeDifference, shapeDiff } from "../parity/shape-diff.ts";
import { startTimedRecordingTarget, type TimedBody } from "./timed-recording-target.ts";
import { toolCallRequestFields, toolsBody, wireMessage, type WireToolCall } from "../../src/scenarios/replay/tool-call-replay.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/otel-traces/tool-calls/weather_tool_call.json", import.meta.url));
const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const FORCE = { overrideToolCallMaxTokens: true, toolChoiceMode: "force_recorded" as const };

const spans = (JSON.parse(readFileSync(FIXTURE, "utf8")) as { spans: Array<{ span_id: string; attributes: Record<string, unknown> }> }).spans;
const attr = (id: string, key: string) => spans.find((s) => s.span_id === id)!.attributes[key];
const recordedMessages = (id: string) => JSON.parse(attr(id, "gen_ai.input.messages") as string) as Array<Record<string, unknown>>;
const defs = JSON.parse(attr("t1", "gen_ai.tool.definitions") as string) as Array<Record<string, unknown>>;
const validArgs = new Ajv({ strict: false }).compile((defs[0] as { parameters: object }).parameters);

interface ToolRun {
  requests: TimedBody[];
  reports: string;
}

async function runTool(tool: "inference-perf" | "kneepoint", streaming: boolean): Promise<ToolRun> {
  const target = await startTimedRecordingTarget();
  const dir = mkdtempSync(join(tmpdir(), "kp-otel-tools-"));
  const reports = join(dir, "reports");
  mkdirSync(reports);
  writeFileSync(
    join(dir, "config.yaml"),
    `
api: {type: chat, streaming: ${streaming}}
data:
  type: otel_trace_replay
  otel_trace_replay: {trace_files: [${FIXTURE}], max_wait_ms: 150}
load: {type: trace_session_replay, base_seed: 11, num_workers: 1, interval: 0.2, stages: [{concurrent_sessions: 1}]}
server: {type: vllm, model_name: ${MODEL}, base_url: ${target.url}, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: ${TOKENIZER}}
report: {request_lifecycle: {summary: true, per_request: true}, session_lifecycle: {summary: true, per_session: true}}
storage: {local_storage: {path: ${reports}}}
`,
  );
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

/** The bodies in order, each live tool-call id replaced by its rank of first appearance in the run. */
function numberedIds(requests: readonly TimedBody[]): unknown[] {
  const ids = new Map<string, string>();
  const text = JSON.stringify(requests.map((q) => q.body)).replace(/chatcmpl-tool-[0-9a-f]{32}/g, (id) => {
    if (!ids.has(id)) ids.set(id, `live-call-${ids.size}`);
    return ids.get(id)!;
  });
  return JSON.parse(text) as unknown[];
}
const readJson = (r: ToolRun, f: string) => parseRawJson(readFileSync(join(r.reports, f), "utf8"));

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`inference-perf ${INFERENCE_PERF_NEWEST} replays the tool-call fixture against the simulator`, () => {
  const runs = new Map<boolean, TimedBody[]>();
  const pairs = new Map<boolean, { ip: ToolRun; kp: ToolRun }>();
  beforeAll(async () => {
    for (const streaming of [false, true]) {
      const [ip, kp] = await Promise.all([runTool("inference-perf", streaming), runTool("kneepoint", streaming)]);
      pairs.set(streaming, { ip, kp });
      runs.set(streaming, ip.requests);
    }
  }, 200_000);

  for (const streaming of [false, true]) {
    describe(streaming ? "streamed" : "not streamed", () => {
      it("t1 forces the recorded tool: tools from the definitions, named tool_choice, max_tokens max(12 × 4, 4096), ignore_eos false", () => {
        const [t1] = runs.get(streaming)!;
        const fields = toolCallRequestFields({ expectedOutputIsToolCall: true, expectedToolNames: ["get_weather"], toolDefinitions: defs }, { maxTokens: 12, ignoreEos: true }, FORCE);
        expect(t1!.body).toEqual({
          model: MODEL,
          messages: recordedMessages("t1"),
          max_tokens: fields.maxTokens,
          ignore_eos: fields.ignoreEos,
          stream: streaming,
          ...(streaming ? { stream_options: { include_usage: true } } : {}),
          tools: toolsBody(defs),
          tool_choice: fields.toolChoice,
        });
        expect(Object.keys(t1!.body)).toEqual(["model", "messages", "max_tokens", "ignore_eos", "stream", ...(streaming ? ["stream_options"] : []), "tools", "tool_choice"]);
      });

      it("t3 carries the simulator's live tool call in place of the recorded one, the tool result under its id; tool_choice none", () => {
        const [, t3] = runs.get(streaming)!;
        const messages = t3!.body.messages as Array<{ role: string; tool_calls?: WireToolCall[] }>;
        const live = messages[2]!.tool_calls!;
        expect(live).toHaveLength(1);
        expect(live[0]!.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
        expect(live[0]!.function.name).toBe("get_weather");
        expect(validArgs(JSON.parse(live[0]!.function.arguments))).toBe(true);
        const recorded = recordedMessages("t3");
        expect(messages).toEqual([recorded[0], recorded[1], wireMessage({ role: "assistant", tool_calls: live }), wireMessage({ role: "tool", tool_call_id: live[0]!.id, content: "18 C, cloudy, light wind" })]);
        const fields = toolCallRequestFields({ expectedOutputIsToolCall: false, expectedToolNames: null, toolDefinitions: defs }, { maxTokens: 14, ignoreEos: true }, FORCE);
        expect(t3!.body).toMatchObject({ max_tokens: fields.maxTokens, ignore_eos: fields.ignoreEos, tools: toolsBody(defs), tool_choice: fields.toolChoice });
      });

      it("t4 (no tools advertised) keeps the live tool round and t3's live answer, max_tokens 10 and ignore_eos as configured", () => {
        const [, t3, t4] = runs.get(streaming)!;
        const messages = t4!.body.messages as Array<{ role: string; content?: string }>;
        expect(messages.slice(0, 4)).toEqual(t3!.body.messages);
        expect(messages[4]!.role).toBe("assistant");
        expect(messages[4]!.content).not.toBe("It is 18 C and cloudy in Paris, with a light wind."); // the live answer, not the recorded one
        expect(messages[5]).toEqual({ role: "user", content: "Should I take an umbrella tomorrow?" });
        expect(t4!.body.max_tokens).toBe(10);
        expect(t4!.body.ignore_eos).toBe(true);
        expect("tools" in t4!.body || "tool_choice" in t4!.body).toBe(false);
        expect(runs.get(streaming)!).toHaveLength(3);
      });

      it("kneepoint sends the same bodies (live tool-call ids numbered by appearance), one live id in t3 and t4", () => {
        const { ip, kp } = pairs.get(streaming)!;
        expect(kp.requests).toHaveLength(3);
        expect(numberedIds(kp.requests)).toEqual(numberedIds(ip.requests));
        expect(JSON.stringify(numberedIds(kp.requests))).toContain('"tool_call_id":"live-call-0"');
        expect(JSON.stringify(kp.requests.map((q) => q.body))).not.toContain("call_w1");
      });

      it("kneepoint writes the same session reports: counts, tokens, user-facing events, and shapes", () => {
        const { ip, kp } = pairs.get(streaming)!;
        const names = (r: ToolRun) => readdirSync(r.reports).filter((n) => !n.startsWith("kneepoint_")).sort();
        expect(names(kp)).toEqual(names(ip));
        for (const f of names(ip).filter((n) => n.endsWith(".json"))) expect(shapeDiff(readJson(ip, f), readJson(kp, f)).map(formatShapeDifference), f).toEqual([]);
        const counts = (r: ToolRun) => {
          const s = JSON.parse(readFileSync(join(r.reports, "summary_session_lifecycle_metrics.json"), "utf8")) as Record<string, unknown>;
          const per = JSON.parse(readFileSync(join(r.reports, "per_session_lifecycle_metrics.json"), "utf8")) as Array<Record<string, unknown>>;
          return [s.num_sessions, s.num_sessions_succeeded, s.total_events, s.total_events_completed, s.failures, per.map((p) => [p.num_events_completed, p.success, p.total_input_tokens, p.total_output_tokens, p.user_facing_event_ids])];
        };
        expect(counts(kp)).toEqual(counts(ip));
        expect(counts(kp).slice(0, 4)).toEqual([1, 1, 3, 3]);
      });
    });
  }
});
