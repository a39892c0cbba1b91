import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRunFacts, runFactsOf } from "./read-run-facts.ts";

describe("run facts from kneepoint_run.json", () => {
  it("labels the recorded fields, skips nulls, and drops a user:password from the target URL", () => {
    expect(runFactsOf({ served_model: "m", base_url: "http://u:secret@host:8000/", target_kind: "vllm", server_version: null, simulator: null, tokenizer: "server /tokenize", harness_version: "0.1.0", api_key_source: "OPENAI_API_KEY" })).toEqual([
      ["Target", "http://host:8000/"],
      ["Target kind", "vllm"],
      ["Tokenizer", "server /tokenize"],
      ["Harness version", "0.1.0"],
      ["API key from", "OPENAI_API_KEY"],
    ]);
  });

  it("has nothing to say for a directory without the file, or with a broken one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-facts-"));
    expect(await readRunFacts(dir)).toEqual([]);
    writeFileSync(join(dir, "kneepoint_run.json"), "{");
    expect(await readRunFacts(dir)).toEqual([]);
  });
});
