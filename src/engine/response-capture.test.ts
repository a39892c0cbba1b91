/**
 * Tool calls kept from answers as inference-perf 0.7.0's session replay keeps them (replay_graph_session_datagen.py
 * process_response): a non-streamed message's tool_calls as sent; streamed pieces joined by index — the first piece
 * of an index opens the call with its id and type, names and arguments are appended, a later id replaces it.
 */
import { describe, expect, it } from "vitest";
import { captureEvent, captureJsonResponse, liveToolCalls, newCapture, type ChunkJson } from "./response-capture.ts";

describe("tool calls in the response capture", () => {
  it("keeps a non-streamed answer's tool_calls in order, and none when the list is empty", () => {
    const c = newCapture();
    const calls = [{ id: "a", type: "function", function: { name: "f", arguments: "{}" } }, { id: "b", type: "function", function: { name: "g", arguments: "{}" } }];
    captureJsonResponse({ choices: [{ message: { content: null, tool_calls: calls } }] } as unknown as ChunkJson, c, 1);
    expect(liveToolCalls(c)).toEqual(calls);
    const empty = newCapture();
    captureJsonResponse({ choices: [{ message: { content: "hi", tool_calls: [] } }] } as unknown as ChunkJson, empty, 1);
    expect(liveToolCalls(empty)).toBeNull();
    expect(empty.contentTexts).toEqual(["hi"]);
  });

  it("joins streamed pieces by index, in index order, without counting them as content", () => {
    const c = newCapture();
    const delta = (d: unknown) => ({ choices: [{ delta: d }] }) as unknown as ChunkJson;
    captureEvent("", delta({ tool_calls: [{ index: 1, id: "y", type: "function", function: { name: "g", arguments: "" } }] }), c, 1, false);
    captureEvent("", delta({ tool_calls: [{ index: 0, id: "x", function: { name: "fi", arguments: '{"a"' } }] }), c, 2, false);
    captureEvent("", delta({ tool_calls: [{ index: 0, function: { name: "nd", arguments: ": 1}" } }, { index: 1, function: { arguments: "{}" } }] }), c, 3, false);
    expect(liveToolCalls(c)).toEqual([
      { id: "x", type: "function", function: { name: "find", arguments: '{"a": 1}' } },
      { id: "y", type: "function", function: { name: "g", arguments: "{}" } },
    ]);
    expect(c.contentTexts).toEqual([]);
  });
});
