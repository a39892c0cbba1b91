import { describe, expect, it } from "vitest";
import { authFailureHint, authFailureOf, authFailureOfError, everyRequestRefusedCredentials, sendsCredentials } from "./auth-failure.ts";
import { newRequestRecord, type RequestError } from "./request-record.ts";

// The bodies as the real proxy sends them (litellm[proxy]==1.108.7, test/litellm/): no database, a key that is not
// the master key; and, with a database, a key it does not know.
const LITELLM_NO_DB = '{"error":{"message":"No connected db.","type":"no_db_connection","param":null,"code":"400"}}';
const LITELLM_401 = '{"error":{"message":"Authentication Error, Invalid proxy server token passed. Received API Key = sk-...wxyz","type":"auth_error","param":"None","code":"401"}}';

const httpError = (status: number, body: string): RequestError => ({ reason: "http", status, message: `HTTP ${status}: ${body}` });
const record = (error: RequestError | null) => ({ ...newRequestRecord(0, 32, 0), error });

describe("authFailureOf", () => {
  it("names 401, 403 and LiteLLM's no_db_connection as refused credentials", () => {
    expect(authFailureOf(401, LITELLM_401)?.detail).toMatch(/^HTTP 401 Unauthorized/);
    expect(authFailureOf(401, "")?.status).toBe(401);
    expect(authFailureOf(403, "forbidden")?.detail).toMatch(/^HTTP 403 Forbidden/);
    const noDb = authFailureOf(400, LITELLM_NO_DB);
    expect(noDb?.detail).toMatch(/no_db_connection.*master key/);
  });

  it("leaves every other answer alone", () => {
    expect(authFailureOf(400, '{"error":{"message":"max_tokens must be at least 1","type":"BadRequestError"}}')).toBeNull();
    expect(authFailureOf(404, "The model `x` does not exist.")).toBeNull();
    expect(authFailureOf(500, "Internal Server Error")).toBeNull();
    expect(authFailureOf(429, "rate limited")).toBeNull();
    expect(authFailureOf(200, LITELLM_NO_DB)).toBeNull();
  });

  it("reads a failed request's status and body excerpt; other reasons are not refusals", () => {
    expect(authFailureOfError(httpError(400, LITELLM_NO_DB))?.status).toBe(400);
    expect(authFailureOfError(httpError(401, ""))).toBeTruthy();
    expect(authFailureOfError({ reason: "stream-error", message: "No connected db." })).toBeNull();
    expect(authFailureOfError({ reason: "connection", message: "ECONNREFUSED" })).toBeNull();
    expect(authFailureOfError(null)).toBeNull();
  });
});

describe("everyRequestRefusedCredentials", () => {
  it("is true only when there were requests and all were refused", () => {
    expect(everyRequestRefusedCredentials([])).toBe(false);
    expect(everyRequestRefusedCredentials([record(httpError(401, "")), record(httpError(400, LITELLM_NO_DB))])).toBe(true);
    expect(everyRequestRefusedCredentials([record(httpError(401, "")), record(null)])).toBe(false);
    expect(everyRequestRefusedCredentials([record(httpError(401, "")), record(httpError(500, "boom"))])).toBe(false);
  });
});

describe("the hint", () => {
  it("says where the key comes from, and whether one was sent", () => {
    expect(authFailureHint(true)).toMatch(/check the API key: OPENAI_API_KEY or --api-key .*bench-target-auth Secret.*master key or a virtual key/);
    expect(authFailureHint(false)).toMatch(/^no API key was sent: set OPENAI_API_KEY/);
  });

  it("counts the bearer key and key-like headers as credentials", () => {
    expect(sendsCredentials({ authorization: "Bearer sk-1" })).toBe(true);
    expect(sendsCredentials({ "X-Api-Key": "abc" })).toBe(true);
    expect(sendsCredentials({ "content-type": "application/json", accept: "text/event-stream" })).toBe(false);
  });
});
