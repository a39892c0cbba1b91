import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { wekaTraceReplaySchema } from "../config/weka-replay-schema.ts";
import { augmentForFilter, readWekaTraces } from "./weka-trace-files.ts";

const TRACES = fileURLToPath(new URL("../../../test/fixtures/weka-traces", import.meta.url));
const read = (extra: object, warnings: string[] = []) => readWekaTraces(wekaTraceReplaySchema.parse({ trace_directory: TRACES, ...extra }), { settings: {} as never }, warnings);

describe("data.weka_trace_replay.filter", () => {
  it("sees 0.7.0's aggregates: max_tokens, total_tokens and num_turns over the requests with sub-agents flattened in", () => {
    const blob = {
      id: "t",
      requests: [
        { t: 0, type: "n", in: 10, out: 5 },
        { type: "subagent", requests: [{ in: 100, out: 1 }, { in: 7 }, "not a request"] },
        { t: 2, type: "n", in: null, out: 3 }, // Python's `r.get("in") or 0`
        42,
      ],
    };
    // by hand: 15, 101, 7, 3 → max 101, total 126, 4 turns (the sub-agent's 2 requests, not the sub-agent)
    expect(augmentForFilter(blob)).toMatchObject({ id: "t", max_tokens: 101, total_tokens: 126, num_turns: 4 });
    expect(augmentForFilter({ id: "empty" })).toMatchObject({ max_tokens: 0, total_tokens: 0, num_turns: 0 });
    expect(() => augmentForFilter([1])).toThrow(/a trace is a JSON object/);
  });

  it("keeps the traces it accepts and says how many it kept", async () => {
    const warnings: string[] = [];
    // the fixtures: agent-a 4 main calls + a sub-agent of 3 (7 turns, largest 162 tokens, 603 in all), agent-b 2 calls
    const kept = await read({ filter: "lambda x: x['num_turns'] == 7 and x['max_tokens'] == 162 and x['total_tokens'] == 603" }, warnings);
    expect(kept.map((t) => t.id)).toEqual(["agent-a"]);
    expect(warnings).toContain("data.weka_trace_replay.filter kept 1 of 2 trace(s) scanned");
    expect((await read({ filter: "lambda x: x['id'] == 'agent-b'" })).map((t) => t.id)).toEqual(["agent-b"]);
  });

  it("a filter that keeps nothing, one outside the safe subset, or one that fails on a trace stops the run by name", async () => {
    await expect(read({ filter: "lambda x: x['num_turns'] > 100" })).rejects.toThrow(/data\.weka_trace_replay: no trace left to replay \(the filter kept none of 2\)/);
    await expect(read({ filter: "lambda x: __import__('os')" })).rejects.toThrow(/^data\.weka_trace_replay\.filter: "__import__" is not part of the supported subset/);
    // a config error, not bad data: skip_invalid_files does not hide it
    await expect(read({ filter: "lambda x: x['nope'] == 1", skip_invalid_files: true })).rejects.toThrow(/data\.weka_trace_replay\.filter: cannot be applied to the trace with id "agent-a": no key "nope"/);
  });

  it("a trace the aggregates cannot be computed on is invalid data (skipped under skip_invalid_files), and rejected traces leave the Hub quota alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-weka-filter-"));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ id: "bad", requests: [{ in: "7", out: 1 }] }));
    const cfg = (skip: boolean) => wekaTraceReplaySchema.parse({ trace_files: [join(dir, "bad.json"), join(TRACES, "short_agent.json")], filter: "lambda x: True", skip_invalid_files: skip });
    await expect(readWekaTraces(cfg(false), { settings: {} as never }, [])).rejects.toThrow(/bad\.json is not a Weka trace: a request's in and out are numbers \(found "7", 1\)/);
    const warnings: string[] = [];
    expect((await readWekaTraces(cfg(true), { settings: {} as never }, warnings)).map((t) => t.id)).toEqual(["agent-b"]);
    expect(warnings[0]).toMatch(/bad\.json is not a Weka trace: .* skipped \(skip_invalid_files\)/);
  });
});
