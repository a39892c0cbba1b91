import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import type { RequestError } from "../../engine/request-record.ts";
import { buildErrorCounts, conciseErrorLabel, errorTypeAndMessage, parseErrorMessage } from "./error-labels.ts";

const failed = (error: RequestError | null) => scenarioRecord({ scheduledMs: 0, sendMs: 0, endMs: 1, error });

describe("inference-perf's error labels", () => {
  it("HTTP: the status first, then the message, else other", () => {
    expect(conciseErrorLabel("HTTP Error 429", "slow down")).toBe("429 - Rate Limit");
    expect(conciseErrorLabel("HTTP Error 500", "maximum context length is 4096")).toBe("500 - Internal Server Error");
    expect(conciseErrorLabel("HTTP Error 400", "This model's maximum context length is 4096 tokens")).toBe("400 - Context Window");
    expect(conciseErrorLabel("HTTP Error 400", "Expecting value: line 1 column 1")).toBe("400 - Invalid JSON");
    expect(conciseErrorLabel("HTTP Error 408", "request timed out")).toBe("408 - Timeout");
    expect(conciseErrorLabel("HTTP Error 404", "The model `x` does not exist: model not found")).toBe("404 - Model Not Found");
    expect(conciseErrorLabel("HTTP Error 418", "teapot")).toBe("418 - other");
  });

  it("other errors: timeout or connection from the message, else the type in lower case", () => {
    expect(conciseErrorLabel("timeout", "no complete answer within 5000 ms")).toBe("timeout");
    expect(conciseErrorLabel("TimeoutError", "Timeout on reading data")).toBe("Timeout");
    expect(conciseErrorLabel("connection", "ECONNREFUSED: connection refused")).toBe("Connection Error");
    expect(conciseErrorLabel("Malformed-Chunk ", "no choices in chunk")).toBe("malformed-chunk");
  });

  it("takes error.message out of a JSON body", () => {
    expect(parseErrorMessage('{"error": {"message": "bad", "type": "x"}}')).toBe("bad");
    expect(parseErrorMessage('{"message": "top level"}')).toBe("top level");
    expect(parseErrorMessage('{"error": null, "message": "fallback to body"}')).toBe("fallback to body");
    expect(parseErrorMessage('{"error": "just a string"}')).toBe('{"error": "just a string"}');
    expect(parseErrorMessage("plain text")).toBe("plain text");
  });

  it("maps our RequestError to inference-perf's (error_type, error_msg)", () => {
    expect(errorTypeAndMessage(failed({ reason: "http", status: 503, message: 'HTTP 503: {"error":{"message":"x"}}' }))).toEqual({
      errorType: "HTTP Error 503",
      errorMsg: '{"error":{"message":"x"}}',
    });
    expect(errorTypeAndMessage(failed({ reason: "disconnect", message: "connection closed mid-stream" }))).toEqual({
      errorType: "disconnect",
      errorMsg: "connection closed mid-stream",
    });
    expect(errorTypeAndMessage(failed(null)).errorType).toBe("empty-stream");
  });
});

describe("buildErrorCounts", () => {
  it("sorts labels by count, merges identical messages, caps distinct messages but not the count", () => {
    const http = (msg: string) => failed({ reason: "http", status: 500, message: `HTTP 500: {"error":{"message":"${msg}"}}` });
    const records = [
      failed({ reason: "malformed-chunk", message: "bad chunk" }),
      http("a"), http("b"), http("a"), http("c"),
      failed({ reason: "malformed-chunk", message: "bad chunk" }),
    ];
    const counts = buildErrorCounts(records, 2);
    expect(Object.keys(counts)).toEqual(["500 - Internal Server Error", "malformed-chunk"]);
    expect(counts["500 - Internal Server Error"]).toEqual({ count: 4, messages: [{ message: "a" }, { message: "b" }] });
    expect(counts["malformed-chunk"]).toEqual({ count: 2, messages: [{ message: "bad chunk" }] });
  });

  it("keeps first-seen order between equal counts, and no messages with a cap of 0", () => {
    const counts = buildErrorCounts([failed({ reason: "aborted", message: "stopped" }), failed({ reason: "timeout", message: "no answer" })], 0);
    expect(Object.keys(counts)).toEqual(["aborted", "timeout"]);
    expect(counts.aborted).toEqual({ count: 1, messages: [] });
  });
});
