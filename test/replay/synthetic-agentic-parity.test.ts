/**
 * synthetic_agentic, kneepoint against the real inference-perf 0.7.0: the two shipped example configs
 * (configs/single_agent_smoke.yml: a 2-step tool loop with 6 tools; demo/01_bare_no_tools.yml: one plain call) run by
 * both tools with the same overrides (3 sessions, the fixture tokenizer, the target, a report directory, every session report), each
 * against its own deterministic simulator behind a recording proxy (timed-recording-target.ts). The simulator's
 * answer depends only on the prompt, so the bodies must be the same multiset — generated text, tools, tool_choice,
 * ignore_eos, max_tokens and the live answers substituted into later calls. Both must send a call only after its
 * predecessor's answer ended, and write the same files with the same keys and types. A third run answers the forced
 * tool-call turns with live tool calls (the proxy's own answer), which later calls must carry, their tool results
 * re-pointed at the live ids. Under CI=true a missing inference-perf fails.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { parse, stringify } from "yaml";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { parseRawJson } from "../parity/raw-json.ts";
import { parseRawYaml } from "../parity/raw-yaml.ts";
import { formatShapeDifference, shapeDiff } from "../parity/shape-diff.ts";
import { startTimedRecordingTarget, type TimedBody } from "./timed-recording-target.ts";

const EXAMPLES = fileURLToPath(new URL("../fixtures/inference-perf-examples/0.7.0/examples/synthetic_agentic/", import.meta.url));
const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const SESSIONS = 3;

interface Case {
  file: string;
  api?: "anthropic_messages";
  /**
   * The simulator's Messages API reads text blocks only (src/sim/anthropic-request.ts): the second call of a session,
   * whose tool result is a tool_result block, is its 400, so each session fails there and its answer call is never
   * sent — by both tools, which must still send the same bodies and report the same failures.
   */
  failsAtSecondCall?: boolean;
  /** The proxy answers forced tool-call turns itself with a tool call (else the simulator answers every call in text). */
  liveToolCalls?: boolean;
  /** Calls per session, counted by hand from the config: the principal and one call per tool-loop step (k = 2). */
  callsPerSession: number;
  /** message count of each call of a session, in order (system head + user, then + assistant + tool result, then + assistant + tool result + nudge). */
  messageCounts: number[];
  tools: number;
}

const CASES: Record<string, Case> = {
  "configs/single_agent_smoke.yml": { file: "configs/single_agent_smoke.yml", callsPerSession: 3, messageCounts: [2, 4, 7], tools: 6 },
  "demo/01_bare_no_tools.yml": { file: "demo/01_bare_no_tools.yml", callsPerSession: 1, messageCounts: [2], tools: 0 },
  "configs/single_agent_smoke.yml over anthropic_messages": { file: "configs/single_agent_smoke.yml", api: "anthropic_messages", failsAtSecondCall: true, callsPerSession: 2, messageCounts: [1, 3], tools: 6 },
  "configs/single_agent_smoke.yml, forced turns answered with live tool calls": { file: "configs/single_agent_smoke.yml", liveToolCalls: true, callsPerSession: 3, messageCounts: [2, 4, 7], tools: 6 },
};

/** The id of the live tool call the proxy answers `body` with: the same body gets the same id from either tool. */
const liveId = (body: Record<string, unknown>) => `live_${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 12)}`;

/** A forced turn answered with one call of the forced tool (a non-streamed chat completion, usage included). */
function toolCallAnswer(body: Record<string, unknown>): { status: number; body: string } | null {
  const choice = body.tool_choice as { function?: { name?: string } } | undefined;
  const name = choice?.function?.name;
  if (!name) return null;
  const message = { role: "assistant", content: null, tool_calls: [{ id: liveId(body), type: "function", function: { name, arguments: '{"query": "live"}' } }] };
  return { status: 200, body: JSON.stringify({ id: "cmpl-live", object: "chat.completion", created: 0, model: MODEL, choices: [{ index: 0, message, finish_reason: "tool_calls" }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }) };
}

/** The example with the overrides both tools get. */
function config(c: Case, target: string, reports: string): string {
  const doc = parse(readFileSync(join(EXAMPLES, c.file), "utf8")) as Record<string, Record<string, unknown>>;
  (doc.data!.synthetic_agentic as Record<string, unknown>).num_sessions = SESSIONS;
  doc.server = { ...doc.server, base_url: target, model_name: MODEL };
  if (c.api) doc.api = { ...doc.api, type: c.api };
  doc.tokenizer = { pretrained_model_name_or_path: TOKENIZER };
  doc.storage = { local_storage: { path: reports } };
  doc.report = { ...doc.report, session_lifecycle: { summary: true, per_stage: true, per_session: true } };
  return stringify(doc);
}

interface ToolResult {
  requests: TimedBody[];
  reports: string;
}

async function runTool(tool: "inference-perf" | "kneepoint", c: Case): Promise<ToolResult> {
  const target = await startTimedRecordingTarget(c.liveToolCalls ? toolCallAnswer : () => null);
  const dir = mkdtempSync(join(tmpdir(), `kp-agentic-parity-${tool}-`));
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

type Message = { role: string; content?: string };
const messagesOf = (q: TimedBody) => q.body.messages as Message[];
/** A session is named by its first user message (its seeded objective); a call within it by its message count. */
const sessionOf = (q: TimedBody) => messagesOf(q).find((m) => m.role === "user")!.content!;
const sortedBodies = (r: ToolResult) => r.requests.map((q) => JSON.stringify(q.body)).sort();

const skip = skipReason(INFERENCE_PERF_NEWEST);

describe.skipIf(skip !== undefined)(`synthetic_agentic: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  const results = new Map<string, { ip: ToolResult; kp: ToolResult }>();
  beforeAll(async () => {
    await Promise.all(
      Object.entries(CASES).map(async ([name, c]) => {
        const [ip, kp] = await Promise.all([runTool("inference-perf", c), runTool("kneepoint", c)]);
        results.set(name, { ip, kp });
      }),
    );
  }, 240_000);

  for (const [name, c] of Object.entries(CASES)) {
    describe(name, () => {
      it("sends the same request bodies: generated turns, tools, tool_choice, ignore_eos, max_tokens and the live answers", () => {
        const { ip, kp } = results.get(name)!;
        expect(kp.requests).toHaveLength(SESSIONS * c.callsPerSession);
        expect(sortedBodies(kp)).toEqual(sortedBodies(ip));
        for (const q of kp.requests) expect(((q.body.tools as unknown[] | undefined) ?? []).length).toBe(c.tools);
        expect(new Set(kp.requests.map(sessionOf)).size).toBe(SESSIONS);
      });

      for (const tool of ["inference-perf", "kneepoint"] as const) {
        it(`${tool} sends each call of a session after the previous call's answer ended, with that answer in it`, () => {
          const r = tool === "kneepoint" ? results.get(name)!.kp : results.get(name)!.ip;
          const bySession = new Map<string, TimedBody[]>();
          for (const q of r.requests) bySession.set(sessionOf(q), [...(bySession.get(sessionOf(q)) ?? []), q]);
          for (const calls of bySession.values()) {
            const ordered = [...calls].sort((a, b) => messagesOf(a).length - messagesOf(b).length);
            expect(ordered.map((q) => messagesOf(q).length)).toEqual(c.messageCounts);
            for (let i = 1; i < ordered.length; i++) {
              expect(ordered[i]!.arrivedMs).toBeGreaterThanOrEqual(ordered[i - 1]!.endedMs);
              // the previous call's live answer replaces its recorded tool call: the simulator's text, or the proxy's
              // live tool call, whose id the tool result that follows then answers
              const answer = messagesOf(ordered[i]!)[messagesOf(ordered[i - 1]!).length]! as Message & { tool_calls?: { id: string }[] };
              expect(answer.role).toBe("assistant");
              if (c.liveToolCalls) {
                expect(answer.tool_calls!.map((t) => t.id)).toEqual([liveId(ordered[i - 1]!.body)]);
                expect(answer.content).toBeUndefined();
                const result = messagesOf(ordered[i]!)[messagesOf(ordered[i - 1]!).length + 1] as Message & { tool_call_id?: string };
                expect([result.role, result.tool_call_id]).toEqual(["tool", liveId(ordered[i - 1]!.body)]);
              } else if (c.api !== "anthropic_messages" && typeof ordered[i - 1]!.body.tool_choice === "object") {
                // a forced chat turn: the simulator answers it with a tool call, as vLLM does (src/sim/tool-choice.ts; its
                // Messages API answers text)
                const ids = answer.tool_calls!.map((t) => t.id);
                expect(ids).toHaveLength(1);
                expect(ids[0]).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
                const result = messagesOf(ordered[i]!)[messagesOf(ordered[i - 1]!).length + 1] as Message & { tool_call_id?: string };
                expect([result.role, result.tool_call_id]).toEqual(["tool", ids[0]]);
              } else expect(typeof answer.content).toBe("string");
            }
          }
        });
      }

      it("counts the same sessions, events, tokens and user-facing calls", () => {
        const { ip, kp } = results.get(name)!;
        const counts = (r: ToolResult) => {
          const read = (f: string) => JSON.parse(readFileSync(join(r.reports, f), "utf8")) as Record<string, unknown>;
          const s = read("summary_session_lifecycle_metrics.json");
          const per = read("per_session_lifecycle_metrics.json") as unknown as Array<Record<string, unknown>>;
          return {
            summary: [s.num_sessions, s.num_sessions_succeeded, s.num_sessions_failed, s.total_events, s.total_events_completed, s.total_events_cancelled, s.sessions_with_tfut],
            sessions: [...per].sort((a, b) => String(a.session_id).localeCompare(String(b.session_id))).map((p) => [p.session_id, p.file_path, p.num_events, p.num_events_completed, p.success, p.total_input_tokens, p.total_output_tokens, p.user_facing_event_ids]),
          };
        };
        const k = counts(kp);
        expect(k).toEqual(counts(ip));
        // 3 events a session in the graph (smoke); failing at the second: 1 completed, the third cancelled
        if (c.failsAtSecondCall) expect(k.summary.slice(0, 6)).toEqual([SESSIONS, 0, SESSIONS, SESSIONS * 3, SESSIONS, SESSIONS]);
        else expect(k.summary.slice(0, 6)).toEqual([SESSIONS, SESSIONS, 0, SESSIONS * c.callsPerSession, SESSIONS * c.callsPerSession, 0]);
      });

      it("writes the same files, with the same keys and Python types", () => {
        const { ip, kp } = results.get(name)!;
        const all = (r: ToolResult) => readdirSync(r.reports).filter((n) => !n.startsWith("kneepoint_")).sort();
        expect(all(kp)).toEqual(all(ip));
        for (const f of all(ip).filter((n) => n.endsWith(".json"))) {
          const diffs = shapeDiff(parseRawJson(readFileSync(join(ip.reports, f), "utf8")), parseRawJson(readFileSync(join(kp.reports, f), "utf8")))
            // Known gap, named as in session-replay-parity.test.ts: kneepoint's request reports do not list the
            // session ids of failed requests in failures.by_label yet (the session reports' own by_label does)
            .filter((d) => !(d.kind === "missing" && !f.includes("session") && /^failures\.by_label\[.*\]\.messages\[\d+\]\.session_ids$/.test(d.path)));
          expect(diffs.map(formatShapeDifference), f).toEqual([]);
        }
        for (const f of all(ip).filter((n) => n.endsWith(".yaml"))) {
          const doc = (r: ToolResult) => parseRawYaml(readFileSync(join(r.reports, f), "utf8"));
          expect(shapeDiff(doc(ip), doc(kp)).map(formatShapeDifference), f).toEqual([]);
        }
      });
    });
  }
});
