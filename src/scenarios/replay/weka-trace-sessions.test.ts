import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { wekaTraceReplaySchema } from "../config/weka-replay-schema.ts";
import { loadLocalTokenizer } from "../../tokenizer/local-tokenizer.ts";
import { readWekaTraces } from "./weka-trace-files.ts";
import { buildWekaCorpus } from "./weka-trace-sessions.ts";
import { UsageError } from "../../errors.ts";

const TRACES = fileURLToPath(new URL("../../../test/fixtures/weka-traces", import.meta.url));
const TOKENIZER = fileURLToPath(new URL("../../../test/fixtures/tiny-tokenizer", import.meta.url));
const CORPUS = Array.from({ length: 400 }, (_, i) => `w${(i * 37 + 11) % 2000}`).join(" ");

async function corpusOf(extra: object) {
  const tok = await loadLocalTokenizer(TOKENIZER, {});
  const config = wekaTraceReplaySchema.parse({ trace_directory: TRACES, default_block_size: 8, ...extra });
  const warnings: string[] = [];
  const traces = await readWekaTraces(config, { settings: {} as never }, warnings);
  const corpusIds = await tok.encodeWithSpecialTokens!(CORPUS);
  return buildWekaCorpus({ config, traces, baseSeed: 11, corpusIds, decode: (ids) => tok.decode(ids), warnings });
}

describe("buildWekaCorpus on the fixture traces", () => {
  it("one session per trace, its calls in start order, dependencies and waits from the recorded times", async () => {
    const c = await corpusOf({});
    expect(c.sessions.map((s) => [s.sessionId, s.sourceId, s.graph!.events.length, s.randomString])).toEqual(
      expect.arrayContaining([
        ["wekatrace0_agent-a", "agent-a", 7, null], // 4 main calls + the sub-agent's 3
        ["wekatrace1_agent-b", "agent-b", 2, null],
      ]),
    );
    const a = c.sessions.find((s) => s.sourceId === "agent-a")!.graph!.events;
    expect(a.map((e) => e.eventId)).toEqual([
      "event_000_parent_turn_0",
      "event_001_parent_turn_1",
      "event_002_sa_sa1_s0_turn_0", // t 0.9 (the sub-agent's calls at 0.9 and 1.15 share stream 0)
      "event_003_sa_sa1_s1_turn_0", // t 0.95, while stream 0 is busy until 1.1
      "event_004_sa_sa1_s0_turn_1",
      "event_005_parent_turn_2",
      "event_006_parent_turn_3",
    ]);
    const e = (i: number) => a[i]!;
    // turn 1 quotes turn 0's output (its assistant segment): causal; wait 500 − (0 + 300) ms
    expect([e(1).dependencyTypes, e(1).waitMs]).toEqual([{ event_000_parent_turn_0: "full_match" }, 200]);
    // the sub-agent's first calls follow the latest call ended before them (turn 1, ended at 700 ms)
    expect([e(2).predecessorEventIds, e(2).waitMs, e(3).predecessorEventIds, e(3).waitMs]).toEqual([["event_001_parent_turn_1"], 200, ["event_001_parent_turn_1"], 250]);
    // stream 0's second call quotes its first (causal) and follows stream 1's call, ended at 1150 ms (temporal)
    expect([e(4).dependencyTypes, e(4).waitMs]).toEqual([{ event_002_sa_sa1_s0_turn_0: "full_match", event_003_sa_sa1_s1_turn_0: "temporal" }, 0]);
    // the last call at t 100 s: its 98.4 s gap from t 1.6 is capped to 60 s → starts 61.6 s; turn 2 ended at 1.8 s
    expect(e(6).waitMs).toBe(59_799); // int(61.6 · 1000) − 1800 in float arithmetic, as 0.7.0's int()
    expect(e(0).call.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(e(0).call.expectedOutputTokens).toBe(20);
    expect(e(1).call.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(e(1).call.messages[2]!.content).toBe(e(0).call.expectedOutput);
  });

  it("duplicates sessions round-robin up to duplicate_sessions_target, each with a random string", async () => {
    const c = await corpusOf({ duplicate_sessions_target: 5 });
    const ids = c.sessions.map((s) => s.sessionId);
    expect(ids.slice(2)).toEqual([`${ids[0]}_dup1`, `${ids[1]}_dup2`, `${ids[0]}_dup3`]);
    expect(c.sessions.map((s) => s.randomString === null)).toEqual([true, true, false, false, false]);
  });

  it("refuses a trace it cannot read, naming the file and field, unless skip_invalid_files", async () => {
    const bad = fileURLToPath(new URL("../../../test/fixtures/weka-traces/SOURCES.tsv", import.meta.url));
    const cfg = (skip: boolean) => wekaTraceReplaySchema.parse({ trace_files: [bad], skip_invalid_files: skip });
    await expect(readWekaTraces(cfg(false), { settings: {} as never }, [])).rejects.toThrow(UsageError);
    await expect(readWekaTraces(cfg(false), { settings: {} as never }, [])).rejects.toThrow(/SOURCES\.tsv is not JSON/);
    const missing = wekaTraceReplaySchema.parse({ trace_files: [TRACES] });
    await expect(readWekaTraces(missing, { settings: {} as never }, [])).rejects.toThrow(/data\.weka_trace_replay\.trace_files: .*weka-traces does not exist or is not a file/);
    const warnings: string[] = [];
    expect(await readWekaTraces(cfg(true), { settings: {} as never }, warnings)).toEqual([]);
    expect(warnings[0]).toMatch(/skipped \(skip_invalid_files\)/);
  });
});
