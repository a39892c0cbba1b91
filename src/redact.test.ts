import { describe, expect, it } from "vitest";
import { REDACTED, redactConfig, scrubSecrets } from "./redact.ts";

describe("secrets", () => {
  it("are replaced in configs: the API key and credential-bearing headers", () => {
    const cfg = redactConfig({ apiKey: "sk-live-123", headers: { Authorization: "Bearer x", "X-Api-Key": "k", "X-Team": "infra" }, model: "m" });
    expect(cfg).toEqual({ apiKey: REDACTED, headers: { Authorization: REDACTED, "X-Api-Key": REDACTED, "X-Team": "infra" }, model: "m" });
    expect(JSON.stringify(cfg)).not.toContain("sk-live-123");
  });

  it("are scrubbed from free text such as echoed error bodies", () => {
    expect(scrubSecrets("401: key sk-live-123 is invalid", ["sk-live-123", undefined])).toBe(`401: key ${REDACTED} is invalid`);
  });
});
