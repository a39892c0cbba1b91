import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { parseScenarioConfig, readTraces } from "../config/read-scenario-config.ts";
import { createRequestSource } from "./create-request-source.ts";
import { tokenize, detokenize } from "../../sim/tokenizer.ts";
import { SERVER_TOKEN_ID_RANGE } from "../../tokenizer/server-tokenizer.ts";
import { createApproximateTokenizer } from "../../tokenizer/approximate-tokenizer.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import { loadLocalTokenizer } from "../../tokenizer/local-tokenizer.ts";

/** The simulator's tokenizer in process: what a run against `kneepoint sim` gets through /tokenize. */
const simTokenizer: TokenizerPort = {
  source: "simulator tokenizer (in process)",
  idRange: SERVER_TOKEN_ID_RANGE,
  encode: async (text) => tokenize(text, false),
  decode: async (ids) => detokenize(ids),
  specialTokenCount: async () => 1,
};

const SERVER = { base_url: "http://127.0.0.1:8000", model_name: "sim-model" };
const FIXTURE = fileURLToPath(new URL("./fixtures/sharegpt-tiny.json", import.meta.url));

function config(doc: Record<string, unknown>) {
  return parseScenarioConfig({ server: SERVER, load: { stages: [{ rate: 1, duration: 10 }] }, ...doc }, [], "test.yml", { now: new Date(0), cpuCount: 1 });
}

async function source(doc: Record<string, unknown>, tok: TokenizerPort = simTokenizer, seed = 42) {
  return createRequestSource(config(doc), { tokenizer: tok, seed, model: "sim-model" });
}

interface Body {
  model: string;
  prompt?: string;
  messages?: Array<{ role: string; content: string }>;
  max_tokens: number;
  ignore_eos: boolean;
  stream: boolean;
  stream_options?: unknown;
}
const bodyOf = (s: { body: string }) => JSON.parse(s.body) as Body;
const serverCount = (prompt: string) => tokenize(prompt, true).length;

const dist = (mean: number, sd: number, min: number, max: number) => ({ mean, std_dev: sd, min, max });

describe("random data", () => {
  it("gives every prompt exactly its planned length as the server counts it, and max_tokens from the output distribution", async () => {
    const src = await source({ data: { type: "random", input_distribution: dist(200, 80, 2, 600), output_distribution: dist(50, 20, 1, 100) } });
    expect(src.warnings).toEqual([]);
    for (let i = 0; i < 60; i++) {
      const r = src.request(i);
      const b = bodyOf(r);
      expect(serverCount(b.prompt!)).toBe(r.plannedPromptTokens);
      expect(b.max_tokens).toBe(r.plannedOutputTokens);
      expect(r.plannedPromptTokens).toBeGreaterThanOrEqual(2);
      expect(r.plannedPromptTokens).toBeLessThanOrEqual(600);
    }
  });

  it("sends inference-perf's completion body: stream_options only when streaming, ignore_eos from the server block", async () => {
    const data = { type: "random", input_distribution: dist(16, 0, 16, 16), output_distribution: dist(8, 0, 8, 8) };
    const plain = bodyOf((await source({ data })).request(0));
    expect(Object.keys(plain)).toEqual(["model", "prompt", "max_tokens", "ignore_eos", "stream"]);
    expect(plain).toMatchObject({ model: "sim-model", max_tokens: 8, ignore_eos: true, stream: false });
    const streamed = bodyOf((await source({ data, api: { streaming: true }, server: { ...SERVER, ignore_eos: false } })).request(0));
    expect(streamed).toMatchObject({ stream: true, stream_options: { include_usage: true }, ignore_eos: false });
  });

  it("is seeded: the same seed gives byte-identical bodies, another seed other ones, and prompts do not repeat", async () => {
    const data = { type: "random", input_distribution: dist(64, 16, 8, 128), output_distribution: dist(8, 0, 8, 8) };
    const a = await source({ data }, simTokenizer, 7);
    const b = await source({ data }, simTokenizer, 7);
    const c = await source({ data }, simTokenizer, 8);
    const bodies = (s: typeof a) => Array.from({ length: 300 }, (_, i) => s.request(i).body);
    expect(bodies(a)).toEqual(bodies(b));
    expect(bodies(a)[0]).not.toEqual(bodies(c)[0]);
    expect(new Set(bodies(a).map((x) => bodyOf({ body: x }).prompt)).size).toBe(300);
  });

  it("draws lengths with the configured distribution's mean", async () => {
    const src = await source({ data: { type: "random", input_distribution: dist(100, 20, 50, 150), output_distribution: { type: "uniform", min: 1, max: 9 } } });
    const n = 2000;
    const reqs = Array.from({ length: n }, (_, i) => src.request(i));
    const meanIn = reqs.reduce((s, r) => s + r.plannedPromptTokens, 0) / n;
    const meanOut = reqs.reduce((s, r) => s + r.plannedOutputTokens!, 0) / n;
    expect(Math.abs(meanIn - 100)).toBeLessThan(2); // SE = 20/√2000 ≈ 0.45
    expect(Math.abs(meanOut - 5)).toBeLessThan(0.25); // uniform on 1…9: mean 5, SE ≈ 0.058
  });

  it.each([
    ["a WordLevel tokenizer.json (whitespace pre-tokenizer)", "../../../test/fixtures/tiny-tokenizer"],
    ["a SentencePiece-style tokenizer.json that prepends ▁ itself (as Llama-2 and Mistral do)", "./fixtures/metaspace-tokenizer"],
  ])("is exact with %s, for random, synthetic and shared_prefix", async (_name, dir) => {
    const tok = await loadLocalTokenizer(fileURLToPath(new URL(dir, import.meta.url)), {});
    const datas = [
      { type: "random", input_distribution: dist(100, 40, 2, 300), output_distribution: dist(8, 0, 8, 8) },
      { type: "synthetic", input_distribution: dist(300, 200, 2, 6000), output_distribution: dist(8, 0, 8, 8) },
      { type: "shared_prefix", shared_prefix: { num_groups: 2, num_prompts_per_group: 3, system_prompt_len: 50, question_len: 20, output_len: 4 } },
    ];
    for (const data of datas) {
      const src = await source({ data }, tok);
      expect(src.warnings, data.type).toEqual([]);
      for (let i = 0; i < 12; i++) {
        const r = src.request(i);
        expect((await tok.encode(bodyOf(r).prompt!)).length + 1, `${data.type} request ${i}`).toBe(r.plannedPromptTokens);
      }
    }
  });

  it("says so when the tokenizer does not count word sequences additively", async () => {
    // Counts characters/4: " w1 w2" is not the sum of " w1" and " w2".
    const chars: TokenizerPort = {
      source: "chars/4",
      idRange: [0, 200],
      encode: async (t) => Array.from({ length: Math.ceil(t.length / 4) }, () => 1),
      decode: async (ids) => ids.map((id) => "abcdefghij"[id % 10]!.repeat(1 + (id % 3))).join(""),
      specialTokenCount: async () => 0,
    };
    const src = await source({ data: { type: "random", input_distribution: dist(16, 0, 16, 16), output_distribution: dist(8, 0, 8, 8) } }, chars);
    expect(src.warnings.join()).toMatch(/prompt lengths are approximate/);
    expect(src.describe()).toMatch(/approximate lengths/);
  });
});

describe("data.use_chat_template", () => {
  const CHAT_TOKENIZER = fileURLToPath(new URL("../../../test/fixtures/tiny-chat-tokenizer", import.meta.url));
  const random = { type: "random", input_distribution: dist(60, 20, 20, 120), output_distribution: dist(8, 0, 8, 8), use_chat_template: true };

  it("renders each prompt as one user turn of the template, the templated prompt's count the planned length, add_special_tokens false", async () => {
    const tok = await loadLocalTokenizer(CHAT_TOKENIZER, {});
    const src = await source({ data: random }, tok);
    expect(src.warnings).toEqual([]);
    // by hand: <s> · [ · INST · ] … [/ · INST · ] (the whitespace pre-tokenizer keeps "[/" whole) = 7
    expect(src.describe()).toMatch(/chat template \(7 template tokens\)/);
    for (let i = 0; i < 12; i++) {
      const r = src.request(i);
      const b = bodyOf(r) as Body & { add_special_tokens?: boolean };
      expect(b.prompt).toMatch(/^<s>\[INST\] .* \[\/INST\]$/);
      expect(b.add_special_tokens).toBe(false);
      expect((await tok.encode(b.prompt!)).length, `request ${i}`).toBe(r.plannedPromptTokens);
      expect(r.plannedPromptTokens).toBeGreaterThanOrEqual(20);
    }
  });

  it("templates data.trace prompts too, each the row's ContextTokens", async () => {
    const tok = await loadLocalTokenizer(CHAT_TOKENIZER, {});
    const trace = { file: fileURLToPath(new URL("../../../test/fixtures/traces/azure-tiny.csv", import.meta.url)), format: "AzurePublicDataset" };
    const cfg = config({ data: { type: "random", trace, use_chat_template: true }, load: { type: "trace_replay", trace, stages: [{ rate: 1, duration: 1 }] } });
    await readTraces(cfg);
    const src = await createRequestSource(cfg, { tokenizer: tok, seed: 42, model: "sim-model" });
    const first = src.request(0);
    expect(bodyOf(first).prompt).toMatch(/^<s>\[INST\] /);
    expect((await tok.encode(bodyOf(first).prompt!)).length).toBe(40); // row 1: 40 ContextTokens
    expect(first.plannedPromptTokens).toBe(40);
  });

  it("refuses by name a tokenizer without a chat template, and a minimum length within the template's overhead", async () => {
    const plain = await loadLocalTokenizer(fileURLToPath(new URL("../../../test/fixtures/tiny-tokenizer", import.meta.url)), {});
    await expect(source({ data: random }, plain)).rejects.toThrow(/data\.use_chat_template is set but the tokenizer .* has no chat template/);
    await expect(source({ data: random })).rejects.toThrow(/has no chat template/); // the server's /tokenize carries none
    const tok = await loadLocalTokenizer(CHAT_TOKENIZER, {});
    await expect(source({ data: { ...random, input_distribution: dist(60, 20, 3, 120) } }, tok)).rejects.toThrow(/minimum input length \(3\) must exceed the chat template overhead/);
  });
});

describe("synthetic data", () => {
  it("slices the shipped corpus to exact lengths, one user message with api.type chat", async () => {
    const data = { type: "synthetic", input_distribution: dist(400, 300, 2, 5000), output_distribution: dist(30, 0, 30, 30) };
    const src = await source({ data });
    expect(src.describe()).toMatch(/Shakespeare's Sonnets/);
    for (let i = 0; i < 40; i++) {
      const r = src.request(i);
      expect(serverCount(bodyOf(r).prompt!)).toBe(r.plannedPromptTokens);
    }
    // Prompts longer than the corpus (≈ 10k simulator tokens) wrap around it and stay exact.
    const long = await source({ data: { ...data, input_distribution: dist(30_000, 0, 30_000, 30_000) } });
    expect(serverCount(bodyOf(long.request(0)).prompt!)).toBe(30_000);
    const chat = bodyOf((await source({ data, api: { type: "chat" } })).request(3));
    expect(chat.messages).toHaveLength(1);
    expect(chat.messages![0]!.role).toBe("user");
    expect(chat.prompt).toBeUndefined();
  });

  it("reads like the corpus after its four random words, and no two of the first 500 prompts start alike", async () => {
    const src = await source({ data: { type: "synthetic", input_distribution: dist(40, 0, 40, 40), output_distribution: dist(8, 0, 8, 8) } });
    const prompts = Array.from({ length: 500 }, (_, i) => bodyOf(src.request(i)).prompt!);
    expect(new Set(prompts.map((p) => p.split(" ").slice(0, 5).join(" "))).size).toBe(500);
    expect(prompts.some((p) => /thou|thy|thee|beauty/.test(p))).toBe(true);
  });
});

describe("shared_prefix data", () => {
  it("builds groups × prompts prompts sharing their group's prefix, cycles them, and counts system + question tokens", async () => {
    const sp = { num_groups: 3, num_prompts_per_group: 4, system_prompt_len: 40, question_len: 10, output_len: 7 };
    const src = await source({ data: { type: "shared_prefix", shared_prefix: sp } });
    const reqs = Array.from({ length: 24 }, (_, i) => src.request(i));
    expect(new Set(reqs.slice(0, 12).map((r) => r.body)).size).toBe(12);
    expect(reqs.slice(12).map((r) => r.body)).toEqual(reqs.slice(0, 12).map((r) => r.body));
    for (const r of reqs) {
      const b = bodyOf(r);
      expect(serverCount(b.prompt!)).toBe(50);
      expect(r.plannedPromptTokens).toBe(50);
      expect(b.max_tokens).toBe(7);
    }
    const byGroup = new Map<number, string[]>();
    for (const r of reqs.slice(0, 12)) byGroup.set(r.group!, [...(byGroup.get(r.group!) ?? []), bodyOf(r).prompt!]);
    expect([...byGroup.keys()].sort()).toEqual([0, 1, 2]);
    const prefixOf = (p: string) => detokenize(tokenize(p, false).slice(0, 39));
    for (const prompts of byGroup.values()) {
      expect(prompts).toHaveLength(4);
      expect(new Set(prompts.map(prefixOf)).size).toBe(1);
    }
    expect(new Set([...byGroup.values()].map((p) => prefixOf(p[0]!))).size).toBe(3);
    // A seeded shuffle: consecutive requests are not simply group-major.
    expect(reqs.slice(0, 4).every((r) => r.group === reqs[0]!.group)).toBe(false);
  });

  it("takes Distributions for the lengths", async () => {
    const sp = { num_groups: 2, num_prompts_per_group: 50, system_prompt_len: 20, question_len: dist(30, 10, 5, 60), output_len: { type: "uniform", min: 1, max: 4 } };
    const src = await source({ data: { type: "shared_prefix", shared_prefix: sp } });
    const reqs = Array.from({ length: 100 }, (_, i) => src.request(i));
    for (const r of reqs) expect(serverCount(bodyOf(r).prompt!)).toBe(r.plannedPromptTokens);
    expect(new Set(reqs.map((r) => r.plannedPromptTokens)).size).toBeGreaterThan(10);
    expect(new Set(reqs.map((r) => r.plannedOutputTokens))).toEqual(new Set([1, 2, 3, 4]));
  });
});

describe("mock data", () => {
  it("sends inference-perf's mock prompts with max_tokens 30", async () => {
    const completion = await source({ data: { type: "mock" } });
    expect(bodyOf(completion.request(0))).toMatchObject({ prompt: "1 2 3 1", max_tokens: 30 });
    expect(bodyOf(completion.request(9)).prompt).toBe("1 2 3 10");
    const chat = await source({ data: { type: "mock" }, api: { type: "chat" } });
    expect(bodyOf(chat.request(1)).messages).toEqual([{ role: "user", content: "mock prompt 2" }]);
  });
});

describe("shareGPT data from a local file", () => {
  const approx = createApproximateTokenizer(); // one token per word, plus a BOS

  it("completion: skips the first record like inference-perf, keeps two-turn records in the length filters, max_tokens = answer tokens with BOS, cycles", async () => {
    const src = await source({ data: { type: "shareGPT", path: FIXTURE, output_distribution: dist(5, 0, 1, 10) } }, approx);
    const prompts = Array.from({ length: 6 }, (_, i) => bodyOf(src.request(i)));
    expect(prompts.map((b) => b.prompt)).toEqual([
      "what is a token",
      "hello there",
      "turns stored as json strings",
      "be brief",
      "the first record is consumed when inference-perf opens the dataset",
      "what is a token",
    ]);
    // max_tokens = the answer's tokens with the special tokens (BOS), as 0.7.0 counts it: one more than its words
    expect(prompts.map((b) => b.max_tokens)).toEqual([8, 6, 4, 2, 5, 8]);
    expect(src.request(0).plannedPromptTokens).toBe(5);
    expect(src.describe()).toMatch(/5 prompts .*1 skipped by the length filters/);
    const narrow = await source({ data: { type: "shareGPT", path: FIXTURE, input_distribution: dist(4, 0, 1, 5) } }, approx);
    expect(Array.from({ length: 3 }, (_, i) => bodyOf(narrow.request(i)).prompt)).toEqual(["what is a token", "hello there", "be brief"]);
  });

  it("chat: every turn as a message with ShareGPT's roles mapped, max_tokens 30", async () => {
    const src = await source({ data: { type: "shareGPT", path: FIXTURE }, api: { type: "chat" } }, approx);
    const multi = bodyOf(src.request(2));
    expect(multi.messages).toEqual([
      { role: "user", content: "hello there" },
      { role: "assistant", content: "hello how can i help" },
      { role: "user", content: "count to three" },
      { role: "assistant", content: "one two three" },
    ]);
    expect(multi.max_tokens).toBe(30);
    // past the end the file starts over from its first record (itertools.cycle replays the one consumed at open)
    expect(bodyOf(src.request(4)).messages![0]).toEqual({ role: "user", content: "the first record is consumed when inference-perf opens the dataset" });
  });

  it("names a missing file and a file without usable conversations", async () => {
    await expect(source({ data: { type: "shareGPT", path: "/no/such/sharegpt.json" } }, approx)).rejects.toThrow(/data\.path: \/no\/such\/sharegpt\.json does not exist/);
    await expect(source({ data: { type: "shareGPT", path: FIXTURE, input_distribution: dist(1000, 0, 999, 1000) } }, approx)).rejects.toThrow(/no usable record/);
  });
});
