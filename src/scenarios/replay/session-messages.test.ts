/**
 * The live tool-call substitution (0.7.0 `_build_messages_with_substitution` and its tool_call_id post-pass) on
 * OTel-shaped messages: the output segment takes the predecessor's live `{role, content, tool_calls}`, and the role:tool
 * messages that follow take the live ids — the k-th result pairs with the first unused live call of the k-th recorded
 * call's name (by position when the recorded message named none); one without a match keeps its recorded id, and
 * results past the recorded calls' count are left as recorded. Cases hand-derived from those rules (the previous
 * helper's rewriteToolCallIds cases, now run through the live path).
 */
import { describe, expect, it } from "vitest";
import { messagesToSend, type EventOutcome } from "./session-messages.ts";
import type { InputSegment, ReplayMessage } from "./replay-graph.ts";

const call = (id: string, name: string) => ({ id, type: "function", function: { name, arguments: "{}" } });
const tool = (id: string): ReplayMessage => ({ role: "tool", content: "r", tool_call_id: id });
const seg = (type: InputSegment["type"], messageCount: number, sourceEventId: string | null = null): InputSegment => ({ type, messageCount, tokenCount: 0, sourceEventId });

function send(recordedCalls: unknown[] | undefined, live: unknown[]): Array<string | undefined> {
  const recorded: ReplayMessage[] = [{ role: "assistant", content: "", ...(recordedCalls ? { tool_calls: recordedCalls } : {}) }, tool("r1"), { role: "user", content: "x" }, tool("r2"), tool("r3"), tool("r4")];
  const outcome: EventOutcome = { outputText: "", outputMessage: { role: "assistant", content: "", tool_calls: live }, sentMessages: [] };
  const out = messagesToSend({ recorded, segments: [seg("output", 1, "e0"), seg("unique", 5)], outcomeOf: (id) => (id === "e0" ? outcome : undefined), disableOutputSubstitution: false, sessionRandom: null });
  expect(out[0]!.tool_calls).toEqual(live);
  return out.map((m) => m.tool_call_id ?? m.role);
}

describe("live tool calls substituted (OTel session replay)", () => {
  const live = [call("B", "b"), call("A", "a")];
  it("pairs the results by recorded name, each live call once; unmatched keeps its id; past the recorded count untouched", () => {
    expect(send([call("r1", "a"), call("r2", "b"), call("r3", "c")], live)).toEqual(["assistant", "A", "user", "B", "r3", "r4"]);
  });
  it("by position when the recorded message named no calls", () => {
    expect(send(undefined, live)).toEqual(["assistant", "B", "user", "A", "r3", "r4"]);
  });
});
