/** load.type trace_session_replay with data.type otel_trace_replay: the config rules, the plan, the source. */
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { parseScenarioConfig, parseScenarioConfigWithWarnings } from "../config/read-scenario-config.ts";
import { createRequestSource } from "../data/create-request-source.ts";
import { tokenize, detokenize } from "../../sim/tokenizer.ts";
import { SERVER_TOKEN_ID_RANGE } from "../../tokenizer/server-tokenizer.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import { isSessionReplaySource } from "../replay/session-replay-source.ts";
import { buildScenarioPlan } from "./build-scenario-plan.ts";
import { describeScenarioPlan } from "./describe-scenario-plan.ts";

const TRACES = fileURLToPath(new URL("../../../test/fixtures/otel-traces", import.meta.url));
const SERVER = { base_url: "http://127.0.0.1:8000", model_name: "sim-model" };
const OPTS = { now: new Date(0), cpuCount: 2 };
const parse = (doc: Record<string, unknown>) => parseScenarioConfig({ server: SERVER, api: { type: "chat" }, ...doc }, [], "test.yml", OPTS);
const OTEL = { type: "otel_trace_replay", otel_trace_replay: { trace_directory: TRACES } };
const session = (stages: unknown[], extra: Record<string, unknown> = {}) => ({ data: OTEL, load: { type: "trace_session_replay", stages, ...extra } });
const tok: TokenizerPort = { source: "sim", idRange: SERVER_TOKEN_ID_RANGE, encode: async (t) => tokenize(t, false), decode: async (ids) => detokenize(ids), specialTokenCount: async () => 1 };

describe("session replay config and plan", () => {
  it("plans one session stage per load stage, 0.7.0's defaults filled in", () => {
    const cfg = parse(session([{ concurrent_sessions: 2, session_rate: 1.5, num_sessions: 1, timeout: 30 }, { concurrent_sessions: 0 }]));
    expect(cfg.data.otel_trace_replay).toMatchObject({ max_wait_ms: 15000, predecessor_wait_timeout_sec: 3600, include_errors: true, default_max_tokens: 1000 });
    const plan = buildScenarioPlan(cfg);
    expect(plan.loadType).toBe("trace_session_replay");
    expect(plan.stages).toEqual([
      { kind: "session_replay", rate: 1.5, durationS: 0, concurrentSessions: 2, sessionRate: 1.5, numSessions: 1, timeoutS: 30 },
      { kind: "session_replay", rate: 0, durationS: 0, concurrentSessions: 0, sessionRate: null, numSessions: null, timeoutS: null },
    ]);
    const text = describeScenarioPlan(plan, { describe: () => "otel" });
    expect(text).toContain("   0  sessions   1 sessions, 2 at once, ≤ 1.5/s, timeout 30 s");
    expect(text).toContain("   1  sessions   all remaining sessions, all at once");
  });

  it("refuses what 0.7.0 refuses, naming the key", () => {
    expect(() => parse(session([{ session_rate: 1 }]))).toThrow("load.stages[0].concurrent_sessions: is required for load.type trace_session_replay");
    expect(() => parse(session([{ concurrent_sessions: 2, session_rate: 3 }]))).toThrow("session_rate: (3) cannot exceed concurrent_sessions (2)");
    expect(() => parse(session([{ concurrent_sessions: 1, rate: 1 }]))).toThrow("load.stages[0].rate: is not a key of a trace_session_replay stage");
    expect(() => parse({ data: OTEL, load: { type: "constant", stages: [{ rate: 1, duration: 1 }] } })).toThrow("data.type otel_trace_replay requires load.type trace_session_replay");
    expect(() => parse({ ...session([{ concurrent_sessions: 1 }]), api: { type: "completion" } })).toThrow("api.type: data.type otel_trace_replay replays chat conversations: set api.type chat or anthropic_messages");
    expect(() => parse(session([{ concurrent_sessions: 1 }], { sweep: { type: "linear" } }))).toThrow("load.sweep: cannot be used with load.type trace_session_replay");
    expect(() => parse({ data: { type: "otel_trace_replay", otel_trace_replay: { trace_directory: TRACES, trace_files: ["a.json"] } }, load: { type: "trace_session_replay", stages: [{ concurrent_sessions: 1 }] } })).toThrow("set only one trace source");
    // an unknown key is run past with a warning naming the nearest one (kneepoint's rule for every block)
    const { warnings } = parseScenarioConfigWithWarnings({ server: SERVER, api: { type: "chat" }, data: { type: "otel_trace_replay", otel_trace_replay: { trace_directory: TRACES, max_wait: 5 } }, load: { type: "trace_session_replay", stages: [{ concurrent_sessions: 1 }] } }, [], "test.yml", OPTS);
    expect(warnings.join("\n")).toMatch(/data\.otel_trace_replay\.max_wait is not a key.*max_wait_ms/);
  });

  it("reads the corpus: sessions in base_seed's shuffled order, named trace<slot>_<trace id>", async () => {
    const sessionsFor = async (seed: number) => {
      const cfg = parse(session([{ concurrent_sessions: 1 }], { base_seed: seed }));
      const source = await createRequestSource(cfg, { tokenizer: tok, seed: cfg.load.base_seed, model: "m" });
      if (!isSessionReplaySource(source)) throw new Error("not a session source");
      return source.sessionReplay.sessions.map((s) => s.sessionId);
    };
    // Python: random.seed(11); random.shuffle([0, 1]) → [0, 1]; random.seed(1) → [1, 0]
    expect(await sessionsFor(11)).toEqual(["trace0_test_trace_003", "trace1_kp_chain_001"]);
    expect(await sessionsFor(1)).toEqual(["trace0_kp_chain_001", "trace1_test_trace_003"]);
  });

  it("duplicates the corpus to duplicate_sessions_target, each duplicate with its random session id", async () => {
    const cfg = parse({ data: { type: "otel_trace_replay", otel_trace_replay: { trace_directory: TRACES, duplicate_sessions_target: 3 } }, load: { type: "trace_session_replay", base_seed: 11, stages: [{ concurrent_sessions: 1 }] } });
    const source = await createRequestSource(cfg, { tokenizer: tok, seed: 11, model: "m" });
    if (!isSessionReplaySource(source)) throw new Error("not a session source");
    const s = source.sessionReplay.sessions;
    expect(s.map((x) => x.sessionId)).toEqual(["trace0_test_trace_003", "trace1_kp_chain_001", "trace0_test_trace_003_dup1"]);
    expect(s.map((x) => x.randomString === null)).toEqual([true, true, false]);
    expect(s[2]!.randomString).toMatch(/^[0-9a-f]{16}$/);
  });
});
