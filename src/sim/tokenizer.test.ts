import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { chatPromptTokens } from "./chat-template.ts";
import { detokenize, SEGMENT_BREAK, tokenize } from "./tokenizer.ts";
import { BOS_ID, getVocabulary, ORDINARY_TOKENS, UNK_ID, VOCAB_SIZE } from "./vocabulary.ts";

const ordinaryIds = fc.array(fc.integer({ min: 0, max: ORDINARY_TOKENS - 1 }), { maxLength: 400 });

describe("vocabulary", () => {
  it("has 32,000 distinct ordinary tokens, specials after them", () => {
    const v = getVocabulary();
    expect(v.texts).toHaveLength(VOCAB_SIZE);
    expect(new Set(v.texts.slice(0, ORDINARY_TOKENS)).size).toBe(ORDINARY_TOKENS);
    expect(v.texts[BOS_ID]).toBe("<|begin_of_text|>");
    for (const l of "abcdefghijklmnopqrstuvwxyz") {
      expect(v.wordIds.has(" " + l)).toBe(true);
      expect(v.continuationIds.has(l)).toBe(true);
    }
  });
});

describe("tokenize / detokenize", () => {
  it("round-trips any sequence of ordinary ids: tokenize(detokenize(ids)) === ids (property)", () => {
    fc.assert(fc.property(ordinaryIds, (ids) => {
        expect(tokenize(detokenize(ids), false)).toEqual(ids);
      }), { numRuns: 500 });
  });

  it("adds BOS with special tokens, as Llama-3 does", () => {
    expect(tokenize("", true)).toEqual([BOS_ID]);
    expect(tokenize("", false)).toEqual([]);
    const ids = tokenize("Hello world", true);
    expect(ids[0]).toBe(BOS_ID);
    expect(tokenize("Hello world", false)).toEqual(ids.slice(1));
  });

  it("is deterministic and total for any text (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        const a = tokenize(text, false);
        expect(tokenize(text, false)).toEqual(a);
        expect(a.every((id) => Number.isInteger(id) && id >= 0 && id < VOCAB_SIZE)).toBe(true);
      }),
    );
  });

  it("gives back real text unchanged (no markers needed) and maps unknown characters to <unk>", () => {
    const text = "The quick brown fox, 42 times!\nLorem ipsum dolor sit amet.";
    expect(detokenize(tokenize(text, false))).toBe(text);
    expect(tokenize("é", false)).toEqual([UNK_ID]);
    expect(tokenize("😀", false)).toEqual([UNK_ID]);
  });

  it("marks only the joins that would otherwise re-tokenize differently", () => {
    const v = getVocabulary();
    const space = v.singleCharIds.get(" ")!;
    const cd = v.continuationIds.get("c")!;
    expect(detokenize([space, cd])).toBe(" " + SEGMENT_BREAK + "c");
    const word = v.wordIds.get(" a")!;
    const b = v.continuationIds.get("b")!;
    const ab = v.wordIds.get(" ab");
    expect(detokenize([word, b])).toBe(ab === undefined ? " ab" : " a" + SEGMENT_BREAK + "b");
  });

  it("counts a 256-token prompt in well under a millisecond", () => {
    const text = detokenize(Array.from({ length: 256 }, (_, i) => (i * 7919) % ORDINARY_TOKENS));
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) tokenize(text, true);
    expect((performance.now() - t0) / 100).toBeLessThan(1);
  });
});

describe("chat template", () => {
  it("adds a small fixed overhead around the content", () => {
    const content = "Hello world";
    const overhead = chatPromptTokens([{ role: "user", content }]).length - tokenize(content, false).length;
    expect(overhead).toBe(chatPromptTokens([{ role: "user", content: "Lorem ipsum dolor" }]).length - tokenize("Lorem ipsum dolor", false).length);
    expect(overhead).toBeGreaterThanOrEqual(10);
    expect(overhead).toBeLessThanOrEqual(20);
    expect(chatPromptTokens([{ role: "user", content }])[0]).toBe(BOS_ID);
  });
});
