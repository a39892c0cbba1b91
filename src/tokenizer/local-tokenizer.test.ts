import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { loadLocalTokenizer, ordinaryIdRange } from "./local-tokenizer.ts";
import { buildPrompts } from "../workload/prompts.ts";

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

  it("says which path is missing", async () => {
    await expect(loadLocalTokenizer("./no/such/tokenizer.json", {})).rejects.toThrow(/--tokenizer: .* does not exist/);
  });

  describe("from the Hugging Face Hub (a local stand-in at HF_ENDPOINT)", () => {
    let server: Server;
    let endpoint = "";
    const seen: Array<{ url: string; auth: string | undefined }> = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push({ url: req.url ?? "", auth: req.headers.authorization });
        const m = /^\/(org\/(?:ok|gated))\/resolve\/main\/(tokenizer(?:_config)?\.json)$/.exec(req.url ?? "");
        if (!m) return void res.writeHead(404).end();
        if (m[1] === "org/gated" && req.headers.authorization !== "Bearer hf_secret") return void res.writeHead(401).end();
        res.writeHead(200, { "content-type": "application/json" }).end(readFileSync(join(FIXTURE, m[2]!)));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("downloads once with HF_TOKEN, then uses the cache", async () => {
      const env = { HF_ENDPOINT: endpoint, HF_TOKEN: "hf_secret", KNEEPOINT_CACHE_DIR: mkdtempSync(join(tmpdir(), "kp-tok-")) };
      const tok = await loadLocalTokenizer("org/gated", env);
      expect(await tok.encode("w1")).toEqual([4]);
      const requests = seen.length;
      await loadLocalTokenizer("org/gated", env);
      expect(seen.length).toBe(requests);
      expect(seen.at(-1)?.auth).toBe("Bearer hf_secret");
    });

    it("explains a gated model without a token", async () => {
      const env = { HF_ENDPOINT: endpoint, KNEEPOINT_CACHE_DIR: mkdtempSync(join(tmpdir(), "kp-tok-")) };
      await expect(loadLocalTokenizer("org/gated", env)).rejects.toThrow(/gated or private/);
    });
  });
});
