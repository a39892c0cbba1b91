/** The OTel session source's bodies with tool calls (replay-body.ts), and its refusal of tool calls over anthropic_messages. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createBodyWriter } from "../data/body-writer.ts";
import { otelTraceReplaySchema } from "../config/otel-replay-schema.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { HubAccess } from "../data/hub-dataset-files.ts";
import { createOtelReplaySource } from "./session-replay-source.ts";

const FIXTURE = fileURLToPath(new URL("../../../test/fixtures/otel-traces/tool-calls/weather_tool_call.json", import.meta.url));
const config = otelTraceReplaySchema.parse({ trace_files: [FIXTURE] });
const tok = {} as TokenizerPort; // never called: no body here needs a token count
const access = {} as HubAccess; // local files: the Hub is not read

describe("OTel session source with tool calls", () => {
  it("writes t3's body as 0.7.0's chat body: role/tool_call_id/tool_calls order, no content beside the calls, tools with tool_choice none, ignore_eos false", async () => {
    const body = createBodyWriter({ api: "chat", model: "m", ignoreEos: true, streaming: false });
    const src = await createOtelReplaySource(config, 1, body, tok, access);
    const t3 = src.sessionReplay.sessions[0]!.graph!.events[1]!.call;
    const sent = JSON.parse(src.sessionReplay.bodyFor(t3.messages, 14, t3)) as Record<string, unknown>;
    expect(Object.keys(sent)).toEqual(["model", "messages", "max_tokens", "ignore_eos", "stream", "tools", "tool_choice"]);
    expect(sent.max_tokens).toBe(14); // a text turn: max_tokens not raised
    expect(sent.ignore_eos).toBe(false);
    expect(sent.tool_choice).toBe("none");
    const messages = sent.messages as Array<Record<string, unknown>>;
    expect(messages.slice(2).map((m) => Object.keys(m))).toEqual([["role", "tool_calls"], ["role", "tool_call_id", "content"]]);
    expect(messages[2]!.tool_calls).toEqual([{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }]);
    // t1, a forced tool call: max(12 × 4, 4096)
    const t1 = src.sessionReplay.sessions[0]!.graph!.events[0]!.call;
    expect((JSON.parse(src.sessionReplay.bodyFor(t1.messages, 12, t1)) as { max_tokens: number }).max_tokens).toBe(4096);
  });

  it("refuses a trace with tool calls over api.type anthropic_messages, by name", async () => {
    const body = createBodyWriter({ api: "anthropic_messages", model: "m", ignoreEos: false, streaming: false });
    await expect(createOtelReplaySource(config, 1, body, tok, access, "anthropic_messages")).rejects.toThrow(/weather_tool_call\.json has tool calls or tools: replaying them over api\.type anthropic_messages is not supported yet by kneepoint run/);
  });
});
