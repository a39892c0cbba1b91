import { describe, expect, it } from "vitest";
import { createRefusalWatch, everyRequestFailedError, withApiKeyFromEnv } from "./scenario-credentials.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import type { RequestError } from "../engine/request-record.ts";

const cfg = (apiKey: string | null) => ({ server: { type: "vllm", model_name: "m", base_url: "http://x", ignore_eos: true, api_key: apiKey } }) as unknown as ScenarioConfig;
const refused: RequestError = { reason: "http", status: 401, message: "HTTP 401: Authentication Error" };
const other: RequestError = { reason: "http", status: 500, message: "HTTP 500: boom sk-secret" };

describe("withApiKeyFromEnv", () => {
  it("takes OPENAI_API_KEY only when the config names no key", () => {
    expect(withApiKeyFromEnv(cfg(null), { OPENAI_API_KEY: "sk-env" }).server.api_key).toBe("sk-env");
    expect(withApiKeyFromEnv(cfg("sk-file"), { OPENAI_API_KEY: "sk-env" }).server.api_key).toBe("sk-file");
    expect(withApiKeyFromEnv(cfg(null), { OPENAI_API_KEY: " " }).server.api_key).toBeNull();
    expect(withApiKeyFromEnv(cfg(null), {}).server.api_key).toBeNull();
  });
});

describe("createRefusalWatch", () => {
  it("aborts once the first N requests were all refused", () => {
    const w = createRefusalWatch(3);
    w.observe({ error: refused });
    w.observe({ error: refused });
    expect(w.stopped()).toBe(false);
    w.observe({ error: refused });
    expect(w.signal.aborted).toBe(true);
  });

  it("never aborts when one of the first N got through or failed otherwise", () => {
    const w = createRefusalWatch(3);
    for (const error of [refused, null, refused, refused, refused, refused]) w.observe({ error });
    expect(w.stopped()).toBe(false);
    const v = createRefusalWatch(2);
    for (const error of [other, refused, refused]) v.observe({ error });
    expect(v.stopped()).toBe(false);
  });
});

describe("everyRequestFailedError", () => {
  const base = { target: "http://t/v1/completions", model: "m", reportsDir: "reports/x", keySent: true, scrub: (s: string) => s.replace("sk-secret", "[redacted]"), stoppedEarly: false };
  it("names a refusal and the key to check", () => {
    const err = everyRequestFailedError(refused, { ...base, stoppedEarly: true });
    expect(err.message).toMatch(/^http:\/\/t\/v1\/completions refused the credentials \(HTTP 401 Unauthorized.*\): every request failed; the run was stopped after the first 8 requests$/);
    expect(err.hint).toMatch(/OPENAI_API_KEY.*\(reports in reports\/x\)$/);
  });
  it("reports any other failure as before, scrubbed", () => {
    const err = everyRequestFailedError(other, base);
    expect(err.message).toBe("every request failed; first error: http 500: HTTP 500: boom [redacted]");
    expect(err.hint).toBe("check that http://t/v1/completions serves model 'm' (reports in reports/x)");
  });
});
