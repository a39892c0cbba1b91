import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLocalTokenizer, ordinaryIdRange } from "./local-tokenizer.ts";
import { buildPrompts } from "../workload/prompts.ts";
import { KneepointError } from "../errors.ts";
import { startHubServer, type RunningHub } from "../../test/hub/hub-server.ts";

const FIXTURE = new URL("../../test/fixtures/tiny-tokenizer/", import.meta.url).pathname;

describe("local tokenizer.json", () => {
  it("loads a tokenizer.json directory, counts BOS as the special token, and builds exact prompts", async () => {
    const tok = await loadLocalTokenizer(FIXTURE, {});
    expect(await tok.specialTokenCount()).toBe(1);
    expect(await tok.encode("w5 w6 w7")).toEqual([8, 9, 10]);
    const set = await buildPrompts(tok, { count: 5, inputLen: 64, seed: 42 });
    expect(set.mismatched).toBe(0);
    for (const p of set.prompts) expect((await tok.encode(p.text)).length).toBe(63);
  });

  it("draws prompt ids from the longest run free of special tokens, past the byte tokens", () => {
    expect(ordinaryIdRange(32000, [0, 1, 2])).toEqual([1002, 32000]); // Llama-2: specials at 0–2; 3 + min(1000, ⌊31997/32⌋ = 999)
    expect(ordinaryIdRange(128000, [128000, 128001])).toEqual([1000, 128000]); // Llama-3: specials after the vocab
    expect(ordinaryIdRange(100, [])).toEqual([3, 100]);
  });

  it("decodes as transformers 5: no space clean-up unless the config asks for it, and never for BPE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-cleanup-"));
    const vocab = { "<unk>": 0, the: 1, ",": 2, king: 3, ".": 4 };
    const write = (model: object, config: object) => {
      writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ version: "1.0", added_tokens: [], normalizer: null, pre_tokenizer: { type: "Whitespace" }, post_processor: null, decoder: null, model }));
      writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
      return loadLocalTokenizer(dir, {});
    };
    const wordLevel = { type: "WordLevel", vocab, unk_token: "<unk>" };
    const bpe = { type: "BPE", vocab, merges: [], unk_token: "<unk>", dropout: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false };
    // as transformers 5.13 (inference-perf 0.7.0's) decodes the same files
    expect(await (await write(wordLevel, {})).decode([1, 2, 3, 4])).toBe("the , king .");
    expect(await (await write(wordLevel, { clean_up_tokenization_spaces: true })).decode([1, 2, 3, 4])).toBe("the, king.");
    expect(await (await write(bpe, { clean_up_tokenization_spaces: true })).decode([1, 2, 3, 4])).toBe("the , king .");
    expect(await (await write(bpe, { clean_up_tokenization_spaces: true, clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output: true })).decode([1, 2, 3, 4])).toBe("the, king.");
  });

  it("says which path is missing", async () => {
    await expect(loadLocalTokenizer("./no/such/tokenizer.json", {})).rejects.toThrow(/--tokenizer: .* does not exist/);
  });

  describe("from the Hugging Face Hub (test/hub's stand-in at HF_ENDPOINT)", () => {
    let hub: RunningHub;
    const files = { "tokenizer.json": readFileSync(join(FIXTURE, "tokenizer.json")), "tokenizer_config.json": readFileSync(join(FIXTURE, "tokenizer_config.json")) };
    beforeAll(async () => {
      hub = await startHubServer([{ type: "model", id: "org/gated", files, gatedToken: "hf_secret" }]);
    });
    afterAll(() => hub.close());
    it("downloads once with HF_TOKEN into the Hugging Face cache layout, then uses the cache", async () => {
      const home = mkdtempSync(join(tmpdir(), "kp-tok-"));
      const env = { HF_ENDPOINT: hub.url, HF_TOKEN: "hf_secret", HF_HOME: home };
      const tok = await loadLocalTokenizer("org/gated", env);
      expect(await tok.encode("w1")).toEqual([4]);
      const commit = hub.commitOf("org/gated");
      expect(readFileSync(join(home, "hub", "models--org--gated", "refs", "main"), "utf8")).toBe(commit);
      expect(existsSync(join(home, "hub", "models--org--gated", "snapshots", commit, "tokenizer_config.json"))).toBe(true);
      const requests = hub.requests.length;
      await loadLocalTokenizer("org/gated", { ...env, HF_HUB_OFFLINE: "1" });
      expect(hub.requests.length).toBe(requests);
      expect(hub.requests.every((r) => r.authorization === "Bearer hf_secret")).toBe(true);
    });
    it("explains a gated model without a token, and with a token that has no access", async () => {
      const env = { HF_ENDPOINT: hub.url, HF_HOME: mkdtempSync(join(tmpdir(), "kp-tok-")) };
      const without = await loadLocalTokenizer("org/gated", env).catch((e: KneepointError) => e);
      expect(without).toBeInstanceOf(KneepointError);
      expect((without as KneepointError).message).toMatch(/tokenizer\.json of model org\/gated .* answered 401 \(GatedRepo\)/);
      expect((without as KneepointError).hint).toMatch(/gated or private: set HF_TOKEN/);
      const wrong = await loadLocalTokenizer("org/gated", { ...env, HF_TOKEN: "hf_wrong" }).catch((e: KneepointError) => e);
      expect((wrong as KneepointError).hint).toMatch(/HF_TOKEN is set but this token has no access/);
      expect(`${(wrong as KneepointError).message} ${(wrong as KneepointError).hint}`).not.toContain("hf_wrong");
    });
  });
});
