import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import type { RequestError } from "../../engine/request-record.ts";
import { buildErrorCounts } from "./error-label-state.ts";
import { conciseErrorLabel, errorTypeAndMessage, parseErrorMessage } from "./error-labels.ts";

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

  it("maps our RequestError to inference-perf's (error_type, error_msg), null where inference-perf sees a success", () => {
    expect(errorTypeAndMessage(failed({ reason: "http", status: 503, message: 'HTTP 503: {"error":{"message":"x"}}' }))).toEqual({
      errorType: "HTTP Error 503",
      errorMsg: '{"error":{"message":"x"}}',
    });
    // aiohttp's ClientPayloadError and its message, not ours (ours says "connection", which would label it a Connection Error).
    expect(errorTypeAndMessage(failed({ reason: "disconnect", message: "connection closed mid-stream" }))).toEqual({
      errorType: "ClientPayloadError",
      errorMsg: "Response payload is not completed: <TransferEncodingError: 400, message='Not enough data to satisfy transfer length header.'>",
    });
    expect(errorTypeAndMessage(failed({ reason: "timeout", message: "no complete answer within 5 ms (--timeout)" }))).toEqual({ errorType: "TimeoutError", errorMsg: "Request timed out" });
    expect(errorTypeAndMessage(failed({ reason: "connection", message: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1" }))!.errorType).toBe("ClientConnectorError");
    // A 200 read to its end is a success there, whatever it held.
    expect(errorTypeAndMessage(failed({ reason: "empty-stream", message: "HTTP 200 but no token-bearing chunk arrived" }))).toBeNull();
    expect(errorTypeAndMessage(failed({ reason: "stream-error", message: "overloaded" }))).toBeNull();
    expect(errorTypeAndMessage(failed(null))).toBeNull();
    // Not streamed, a body that is not JSON fails in response.json().
    expect(errorTypeAndMessage(failed({ reason: "malformed-chunk", message: "response body is not JSON: <html>" }), false)!.errorType).toBe("JSONDecodeError");
  });
});

describe("buildErrorCounts", () => {
  it("sorts labels by count, merges identical messages, caps distinct messages but not the count", () => {
    const http = (msg: string) => ({ error_type: "HTTP Error 500", error_msg: `{"error":{"message":"${msg}"}}` });
    const payload = { error_type: "ClientPayloadError", error_msg: "Response payload is not completed" };
    const counts = buildErrorCounts([payload, http("a"), http("b"), http("a"), http("c"), payload], 2);
    expect(Object.keys(counts)).toEqual(["500 - Internal Server Error", "clientpayloaderror"]);
    expect(counts["500 - Internal Server Error"]).toEqual({ count: 4, messages: [{ message: "a" }, { message: "b" }] });
    expect(counts.clientpayloaderror).toEqual({ count: 2, messages: [{ message: "Response payload is not completed" }] });
  });

  it("keeps first-seen order between equal counts, and no messages with a cap of 0", () => {
    const counts = buildErrorCounts([{ error_type: "CancelledError", error_msg: "stopped" }, { error_type: "TimeoutError", error_msg: "Request timed out" }], 0);
    expect(Object.keys(counts)).toEqual(["cancellederror", "Timeout"]);
    expect(counts.cancellederror).toEqual({ count: 1, messages: [] });
  });
});
