import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { resolveSimConfig } from "./sim-options.ts";

describe("simulator options", () => {
  it("fills defaults from the schema and the profile", () => {
    const c = resolveSimConfig({});
    expect(c).toMatchObject({
      host: "127.0.0.1",
      port: 0,
      profile: "h100-8b",
      modelName: "meta-llama/Llama-3.1-8B-Instruct",
      speedup: 1,
      legacyMetrics: false,
      maxModelLen: 8192,
      maxNumSeqs: 256,
      seed: 42,
      deterministic: null,
    });
    expect(resolveSimConfig({ profile: "kv-starved" }).modelName).toBe("meta-llama/Llama-3.1-70B-Instruct");
    expect(resolveSimConfig({ ttftMs: 0, itlMs: 0 }).deterministic).toEqual({ ttftMs: 0, itlMs: 0 });
  });

  it("rejects bad combinations with a UsageError naming the option", () => {
    expect(() => resolveSimConfig({ ttftMs: 5 })).toThrow(/ttftMs/);
    expect(() => resolveSimConfig({ ttftMs: 5, itlMs: 1, speedup: 2 })).toThrow(/speedup/);
    expect(() => resolveSimConfig({ port: 70000 })).toThrow(UsageError);
    expect(() => resolveSimConfig({ profile: "nope" as "h100-8b" })).toThrow(/profile/);
    expect(() => resolveSimConfig({ profile: "kv-starved", maxModelLen: 100_000 })).toThrow(/exceeds the KV cache/);
    expect(() => resolveSimConfig({ bogus: 1 } as object)).toThrow(UsageError);
  });
});
