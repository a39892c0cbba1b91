import { describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import type { StageRun } from "../types.ts";
import { buildTokenCounter, capturedTexts, createRecordTokenCounter, responseTokenOptions } from "./response-token-counts.ts";

const rec = (stage: number, texts: string[]) => scenarioRecord({ stage, scheduledMs: 0, sendMs: 0, endMs: 1, capture: { contentTexts: texts } });
const run = (index: number, texts: string[][]): StageRun => ({
  index, plan: { kind: "constant", rate: 1, durationS: 1 }, status: "completed", startMs: 0, endMs: 1, startEpochMs: 0, endEpochMs: 1,
  records: texts.map((t) => rec(index, t)), unsent: 0,
});
const stages = [run(-1, [["probe"]]), run(0, [["ab", "c"], ["ab"]])];
const words = async (t: string) => t.split("").map((_, i) => i); // one id per character

describe("response token counts", () => {
  it("collects each reported answer whole, and its chunks when re-tokenizing; the sweep probe is not reported", () => {
    expect(capturedTexts(stages, false)).toEqual(["abc", "ab"]);
    expect(capturedTexts(stages, true)).toEqual(["abc", "ab", "c", "ab", "ab"]); // whole, chunks; whole, chunk
  });

  it("encodes each distinct text once and answers synchronously; the empty text is 0 tokens", async () => {
    const asked: string[] = [];
    const count = await buildTokenCounter(["abc", "ab", "ab", ""], async (t) => (asked.push(t), words(t)));
    expect(asked.sort()).toEqual(["ab", "abc"]);
    expect([count("abc"), count("ab"), count(""), count("never seen")]).toEqual([3, 2, 0, 0]);
  });

  it("only an exact tokenizer counts; re-tokenizing only with a tokenizer block", async () => {
    expect(await responseTokenOptions(stages, { exact: false, encode: words }, true)).toEqual({});
    const withBlock = await responseTokenOptions(stages, { exact: true, encode: words }, true);
    expect(withBlock.retokenizeChunks).toBe(true);
    expect(withBlock.countTokens!("c")).toBe(1);
    expect(await responseTokenOptions(stages, { exact: true, encode: words }, false)).not.toHaveProperty("retokenizeChunks");
  });

  it("per record: counts what was prepared, shares texts between records in flight, forgets them on release", async () => {
    const asked: string[] = [];
    const counter = createRecordTokenCounter(async (t) => (asked.push(t), words(t)), true);
    const [r1, r2] = [rec(0, ["ab", "c"]), rec(0, ["ab"])];
    await counter.prepare(r1);
    await counter.prepare(r2);
    expect(asked.sort()).toEqual(["ab", "abc", "c"]); // r2's whole answer and chunk are both "ab"
    expect([counter.countTokens("abc"), counter.countTokens("ab"), counter.countTokens("c")]).toEqual([3, 2, 1]);
    counter.release(r1);
    expect([counter.countTokens("abc"), counter.countTokens("ab")]).toEqual([0, 2]); // r2 still needs "ab"
    counter.release(r2);
    expect(counter.countTokens("ab")).toBe(0);
    // A later record with texts seen before: counted from the released counts, not encoded again.
    const r3 = rec(0, ["ab", "c"]);
    await counter.prepare(r3);
    expect(asked.sort()).toEqual(["ab", "abc", "c"]);
    expect([counter.countTokens("abc"), counter.countTokens("ab"), counter.countTokens("c")]).toEqual([3, 2, 1]);
  });
});
