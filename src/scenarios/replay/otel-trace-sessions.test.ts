/** Reading an OTel trace corpus: sources, refusals by name, skipped traces. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { otelTraceReplaySchema } from "../config/otel-replay-schema.ts";
import { readOtelCorpus } from "./otel-trace-sessions.ts";

const span = (id: string, messages: unknown[], extra: Record<string, unknown> = {}) => ({
  span_id: id, name: "chat m", start_time: "2026-01-01T00:00:00Z", end_time: "2026-01-01T00:00:01Z",
  attributes: { "gen_ai.operation.name": "chat", "gen_ai.input.messages": JSON.stringify(messages), "gen_ai.output.text": "ok", ...extra },
});

function corpusDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "kp-otel-corpus-"));
  mkdirSync(join(dir, "sub"));
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(doc));
  return dir;
}
const config = (o: Record<string, unknown>) => otelTraceReplaySchema.parse(o);

describe("OTel trace corpus", () => {
  it("reads trace_files patterns (sorted, one session per file, the file stem when a trace has no id)", () => {
    const dir = corpusDir({ "b.json": { trace_id: "tb", spans: [span("s1", [{ role: "user", content: "hi" }])] }, "a.json": { spans: [span("s1", [{ role: "user", content: "yo" }])] }, "sub/c.json": { trace_id: "tc", spans: [] }, "x.txt": {} });
    const c = readOtelCorpus(config({ trace_files: [join(dir, "*.json")] }), 11);
    // Python: random.seed(11); random.shuffle([0, 1]) keeps the order [0, 1]
    expect(c.sessions.map((s) => [s.sessionId, s.sourceId])).toEqual([["trace0_a", join(dir, "a.json")], ["trace1_tb", join(dir, "b.json")]]);
    const all = readOtelCorpus(config({ trace_files: [join(dir, "**/*.json")] }), 11);
    expect(all.sessions.map((s) => s.sourceId).sort()).toEqual([join(dir, "a.json"), join(dir, "b.json"), join(dir, "sub/c.json")]);
    // c.json has no LLM call: 0.7.0 skips it (unreported); kneepoint says so
    expect(all.sessions.find((s) => s.sourceId.endsWith("c.json"))!.graph).toBeNull();
    expect(all.warnings.join("\n")).toMatch(/1 trace\(s\) have no LLM call to replay and are skipped/);
  });

  it("refuses by name: a tool call with no id, a missing file, a file that is not JSON", () => {
    const dir = corpusDir({ "t.json": { spans: [span("s9", [{ role: "assistant", content: null, tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }])] }, "bad.json": "x", "ok.json": { spans: [span("s1", [{ role: "user", content: "hi" }])] } });
    writeFileSync(join(dir, "bad.json"), "{not json");
    expect(() => readOtelCorpus(config({ trace_files: [join(dir, "t.json")] }), 1)).toThrow(/t\.json: span s9: tool call f has no id, so its tool result cannot be linked to it/);
    expect(() => readOtelCorpus(config({ trace_files: [join(dir, "nope.json")] }), 1)).toThrow(/trace_files: .*nope\.json does not exist/);
    expect(() => readOtelCorpus(config({ trace_files: [join(dir, "bad.json")] }), 1)).toThrow(/cannot read .*bad\.json as JSON/);
    expect(readOtelCorpus(config({ trace_files: [join(dir, "bad.json"), join(dir, "ok.json")], skip_invalid_files: true }), 1).warnings[0]).toMatch(/bad\.json: not readable as JSON, skipped/);
  });

  it("gives the tool-call fixture's calls their tools: t1 forces get_weather, t3 (a text turn with tools) sends none, t4 advertises none", () => {
    const file = fileURLToPath(new URL("../../../test/fixtures/otel-traces/tool-calls/weather_tool_call.json", import.meta.url));
    const tools = [{ type: "function", function: { name: "get_weather", description: "Current weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
    const toolsText = '[{"type": "function", "name": "get_weather", "description": "Current weather of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]';
    const requests = (o: Record<string, unknown>) => readOtelCorpus(config({ trace_files: [file], ...o }), 1).sessions[0]!.graph!.events.map((e) => e.call.toolRequest);
    expect(requests({})).toEqual([
      { tools, toolChoice: { type: "function", function: { name: "get_weather" } }, toolsText, overrideMaxTokens: true, forcedToolNames: ["get_weather"] },
      { tools, toolChoice: "none", toolsText, overrideMaxTokens: false, forcedToolNames: null },
      undefined,
    ]);
    expect(requests({ tool_choice_mode: "as_recorded", override_tool_call_max_tokens: false }).map((r) => r && [r.toolChoice, r.overrideMaxTokens])).toEqual([[null, false], [null, false], undefined]);
    expect(() => requests({ bad_tool_call_handling: "use_recorded" })).toThrow(/data\.otel_trace_replay\.bad_tool_call_handling use_recorded is not supported yet by kneepoint run \(.*weather_tool_call\.json has recorded tool calls\)/);
  });
});
