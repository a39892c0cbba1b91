import { describe, expect, it } from "vitest";
import { classifyVllmError, countVllmErrors } from "./classify-vllm-error.ts";

/** Hand-written in the shapes of vLLM's lib/endpoint_request_func.py (no real --save-detailed errors were found). */
const traceback = (last: string) =>
  `Traceback (most recent call last):\n  File "/usr/local/lib/python3.12/site-packages/vllm/benchmarks/lib/endpoint_request_func.py", line 141, in async_request_openai_completions\n    async with session.post(url=api_url, json=payload, headers=headers) as response:\n${last}\n`;

describe("classifyVllmError", () => {
  it.each([
    ["Never received a valid chunk to calculate TTFT.This response will be marked as failed!", "empty-stream"],
    ["Bad Request", "http"],
    ["Too Many Requests", "http"],
    [traceback("aiohttp.client_exceptions.ClientConnectorError: Cannot connect to host vllm:8000 ssl:default [Connect call failed ('10.0.0.5', 8000)]"), "connection"],
    [traceback("aiohttp.client_exceptions.ServerDisconnectedError: Server disconnected"), "disconnect"],
    [traceback("aiohttp.client_exceptions.ClientPayloadError: Response payload is not completed"), "disconnect"],
    [traceback("asyncio.exceptions.TimeoutError"), "timeout"],
    [traceback("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"), "malformed-chunk"],
    [traceback("asyncio.exceptions.CancelledError"), "aborted"],
    [traceback("KeyError: 'choices'"), "unknown"],
  ] as const)("%s → %s", (message, reason) => {
    expect(classifyVllmError(message)).toBe(reason);
  });
});

describe("countVllmErrors", () => {
  it("counts non-empty strings only, with short distinct samples", () => {
    const out = countVllmErrors(["", null, "Bad Request", "Bad Request", traceback("asyncio.exceptions.TimeoutError"), "  "]);
    expect(out.counts).toEqual({ http: 2, timeout: 1 });
    expect(out.total).toBe(3);
    expect(out.samples).toEqual(["http: Bad Request", "timeout: asyncio.exceptions.TimeoutError"]);
  });
});
