/**
 * Multi-turn sessions against the real inference-perf 0.7.0: the same config through both tools, each behind a
 * recording proxy (in front of its own simulator) that hands out a session token with every answer, as llm-d's
 * router does (`x-session-token: tok-<n>`). The prompts' words differ (each tool draws its own random text), so what
 * is compared is what the seed does not decide:
 *   - every request goes to /v1/completions (also with api.type chat: 0.7.0's session requests are completions);
 *   - per request: its session, turn (0.7.0's extra_info user_session / chat_round), max_tokens, and whether its
 *     prompt continues the same session's previous turn — as multisets, equal between the tools. Stage 2 restarts
 *     the sessions (turn 1 again); conversation_replay's stage 2 re-primes each slot without history (0.7.0);
 *   - the session headers: x-session-id is the request's session, and x-session-token the token of that session's
 *     last answer (none before it had one);
 *   - the report files, their key paths, JSON types and counts;
 *   - conversation_replay's tool-call latency (1 s) inside each answered request's latency, in both.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { readReportDir } from "../parity/report-dir.ts";
import type { RecordedRequest } from "../anthropic/recording-proxy.ts";
import { runBothTools, SIM_MODEL, type ToolName, type ToolResult } from "../anthropic/run-both-tools.ts";

const common = (report: string, url: string) => `
server: {type: vllm, model_name: ${SIM_MODEL}, base_url: ${url}, ignore_eos: true}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true}
storage:
  local_storage: {path: ${report}}
`;

const CASES = {
  "shared_prefix multi-turn, api.type chat, not streamed": (report: string, url: string) => `
api: {type: chat, streaming: false, session_id_header_key: x-session-id, session_token_header_key: x-session-token}
data:
  type: shared_prefix
  shared_prefix: {num_groups: 2, num_prompts_per_group: 2, system_prompt_len: 12, question_len: 6, output_len: 4, seed: 7, enable_multi_turn_chat: true}
load:
  type: constant
  num_workers: 2
  interval: 0
  stages: [{rate: 8, duration: 1}, {rate: 8, duration: 1}]
${common(report, url)}`,
  "conversation_replay, streamed, 1 s tool calls": (report: string, url: string) => `
api: {type: completion, streaming: true, session_id_header_key: x-session-id, session_token_header_key: x-session-token}
data:
  type: conversation_replay
  conversation_replay:
    num_conversations: 2
    shared_system_prompt_len: 12
    dynamic_system_prompt_len: {type: fixed, mean: 3}
    turns_per_conversation: {type: fixed, mean: 2}
    input_tokens_per_turn: {type: fixed, mean: 5}
    output_tokens_per_turn: {type: fixed, mean: 4}
    tool_call_latency_sec: {type: fixed, mean: 1}
    max_model_len: 2000
load:
  type: constant
  num_workers: 2
  interval: 0
  stages: [{rate: 6, duration: 1}, {rate: 4, duration: 1}]
${common(report, url)}`,
};
type CaseName = keyof typeof CASES;

interface Entry {
  start_time: number;
  end_time: number;
  request: string;
  info: { input_tokens: number; extra_info: { user_session: string; chat_round: number } };
  error: unknown;
}

const entriesOf = (r: ToolResult) => (JSON.parse(readFileSync(join(r.reportDir, "per_request_lifecycle_metrics.json"), "utf8")) as Entry[]).sort((a, b) => a.start_time - b.start_time);

/** Per request: session, turn, max_tokens, and whether its prompt continues the session's previous turn's prompt. */
function turnSignatures(entries: Entry[]): string[] {
  const seen: Array<{ session: string; round: number; prompt: string }> = [];
  const out: string[] = [];
  for (const e of entries) {
    const body = JSON.parse(e.request) as { prompt: string; max_tokens: number };
    const { user_session: session, chat_round: round } = e.info.extra_info;
    const prev = [...seen].reverse().find((s) => s.session === session && s.round === round - 1);
    out.push(`${session} turn ${round} max_tokens ${body.max_tokens} ${prev === undefined ? "first" : body.prompt.startsWith(prev.prompt) ? "continues" : "alone"}`);
    seen.push({ session, round, prompt: body.prompt });
  }
  return out.sort();
}

/** Requests whose x-session-token is not the token of their session's last answer (in the order they arrived). */
function tokenMismatches(requests: RecordedRequest[]): string[] {
  const last = new Map<string, string>();
  const bad: string[] = [];
  requests.forEach((r, i) => {
    const sid = String(r.headers["x-session-id"]);
    const sent = r.headers["x-session-token"];
    if (sent !== last.get(sid)) bad.push(`request ${i} (${sid}) sent ${String(sent)}, expected ${String(last.get(sid))}`);
    last.set(sid, r.added!["x-session-token"]!);
  });
  return bad;
}

const skip = skipReason(INFERENCE_PERF_NEWEST);
const results = new Map<CaseName, Record<ToolName, ToolResult>>();

describe.skipIf(skip !== undefined)(`multi-turn sessions: kneepoint and inference-perf ${INFERENCE_PERF_NEWEST}`, () => {
  beforeAll(async () => {
    for (const name of Object.keys(CASES) as CaseName[]) {
      results.set(name, await runBothTools(CASES[name], { addResponseHeaders: (_req, n) => ({ "x-session-token": `tok-${n}` }) }));
    }
  }, 300_000);

  it.each(Object.keys(CASES) as CaseName[])("%s: the same turns of the same sessions, to /v1/completions", (name) => {
    const runs = results.get(name)!;
    const [ip, kp] = [entriesOf(runs["inference-perf"]), entriesOf(runs.kneepoint)];
    expect(kp.length).toBe(ip.length);
    expect(runs.kneepoint.requests.map((r) => r.path)).toEqual(runs["inference-perf"].requests.map((r) => r.path));
    expect(new Set(runs.kneepoint.requests.map((r) => r.path))).toEqual(new Set(["/v1/completions"]));
    expect(turnSignatures(kp)).toEqual(turnSignatures(ip));
    // every session's later turn sends more tokens than its first one did, in both
    for (const entries of [ip, kp]) expect(entries.filter((e) => e.info.extra_info.chat_round > 1 && e.info.input_tokens <= 0)).toEqual([]);
  });

  it.each(Object.keys(CASES) as CaseName[])("%s: x-session-id is the request's session; x-session-token its last answer's token", (name) => {
    const runs = results.get(name)!;
    for (const tool of ["inference-perf", "kneepoint"] as const) {
      const requests = runs[tool].requests;
      const bodies = entriesOf(runs[tool]).map((e) => e.info.extra_info.user_session).sort();
      expect(requests.map((r) => String(r.headers["x-session-id"])).sort(), tool).toEqual(bodies);
      expect(tokenMismatches(requests), tool).toEqual([]);
      expect(requests.filter((r) => r.headers["x-session-token"] !== undefined).length, tool).toBe(runs["inference-perf"].requests.filter((r) => r.headers["x-session-token"] !== undefined).length);
    }
  });

  it("conversation_replay: the 1 s tool call is inside every answered request's latency, in both", () => {
    const runs = results.get("conversation_replay, streamed, 1 s tool calls")!;
    for (const tool of ["inference-perf", "kneepoint"] as const) {
      const ok = entriesOf(runs[tool]).filter((e) => e.error === null);
      expect(ok.length, tool).toBe(10);
      expect(ok.filter((e) => e.end_time - e.start_time < 1), tool).toEqual([]);
    }
  });

  it.each(Object.keys(CASES) as CaseName[])("%s: the same report files, key paths, JSON types and counts", (name) => {
    const runs = results.get(name)!;
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
