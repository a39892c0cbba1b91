/**
 * The simulator's own vocabulary: 32,000 ordinary tokens generated deterministically (the same on
 * every machine), then a few special tokens after them, as Llama-3 places its specials after the
 * ordinary ids. Ordinary tokens come in three kinds, which keeps tokenization unambiguous
 * (see tokenizer.ts):
 *   - single characters: space, \n, \t, digits, capitals, ASCII punctuation (no lowercase letters);
 *   - word pieces: " " + lowercase syllables ("ka", "torin"), including all 26 " a" … " z";
 *   - continuations: lowercase pieces without a leading space, including all 26 "a" … "z".
 * Built once per process on first use and never mutated (immutable, so sharing it between
 * simulators is safe).
 */
import { createRng, intBelow } from "./seeded-random.ts";

export const ORDINARY_TOKENS = 32_000;
export const SPECIAL_TOKEN_TEXTS = [
  "<|begin_of_text|>",
  "<|end_of_text|>",
  "<|start_header_id|>",
  "<|end_header_id|>",
  "<|eot_id|>",
  "<unk>",
] as const;
export const BOS_ID = ORDINARY_TOKENS;
export const EOS_ID = ORDINARY_TOKENS + 1;
export const START_HEADER_ID = ORDINARY_TOKENS + 2;
export const END_HEADER_ID = ORDINARY_TOKENS + 3;
export const EOT_ID = ORDINARY_TOKENS + 4;
export const UNK_ID = ORDINARY_TOKENS + 5;
export const VOCAB_SIZE = ORDINARY_TOKENS + SPECIAL_TOKEN_TEXTS.length;

const CONTINUATION_COUNT = 6_000;
const MAX_CONTINUATION_LENGTH = 4;
const MAX_WORD_LENGTH = 10;
const CONSONANTS = "bcdfghjklmnprstvwz";
const VOWELS = "aeiou";
const LOWERCASE = "abcdefghijklmnopqrstuvwxyz";

export interface Vocabulary {
  /** Text of every id (specials included). */
  texts: readonly string[];
  /** JSON string literal of every id's text, for building chunks without JSON.stringify. */
  jsonTexts: readonly string[];
  singleCharIds: ReadonlyMap<string, number>;
  wordIds: ReadonlyMap<string, number>;
  continuationIds: ReadonlyMap<string, number>;
  /** Ids [firstWordId, ORDINARY_TOKENS) are word pieces: what the simulated model generates. */
  firstWordId: number;
  maxWordLength: number;
  maxContinuationLength: number;
}

let cached: Vocabulary | null = null;

export function getVocabulary(): Vocabulary {
  cached ??= buildVocabulary();
  return cached;
}

function singleChars(): string[] {
  const chars = [" ", "\n", "\t"];
  for (let c = 33; c < 127; c++) {
    const ch = String.fromCharCode(c);
    if (!LOWERCASE.includes(ch)) chars.push(ch);
  }
  return chars;
}

function syllable(rng: () => number): string {
  const c = () => CONSONANTS[intBelow(rng, CONSONANTS.length)]!;
  const v = () => VOWELS[intBelow(rng, VOWELS.length)]!;
  switch (intBelow(rng, 4)) {
    case 0:
      return c() + v();
    case 1:
      return c() + v() + c();
    case 2:
      return v() + c();
    default:
      return c() + v() + v();
  }
}

function buildVocabulary(): Vocabulary {
  const rng = createRng(0x6b6e6565); // fixed: the vocabulary must not depend on --seed
  const texts: string[] = singleChars();

  const continuations = new Set<string>(LOWERCASE);
  while (continuations.size < CONTINUATION_COUNT) {
    const s = syllable(rng) + (rng() < 0.3 ? VOWELS[intBelow(rng, VOWELS.length)]! : "");
    if (s.length <= MAX_CONTINUATION_LENGTH) continuations.add(s);
  }
  texts.push(...continuations);
  const firstWordId = texts.length;

  const words = new Set<string>([...LOWERCASE].map((l) => " " + l));
  while (texts.length + words.size < ORDINARY_TOKENS) {
    let w = syllable(rng);
    const extra = intBelow(rng, 3);
    for (let k = 0; k < extra; k++) w += syllable(rng);
    if (w.length <= MAX_WORD_LENGTH) words.add(" " + w);
  }
  texts.push(...words, ...SPECIAL_TOKEN_TEXTS);

  const singleCharIds = new Map<string, number>();
  const wordIds = new Map<string, number>();
  const continuationIds = new Map<string, number>();
  texts.forEach((t, id) => {
    if (id >= ORDINARY_TOKENS) return;
    if (id < firstWordId - continuations.size) singleCharIds.set(t, id);
    else if (id < firstWordId) continuationIds.set(t, id);
    else wordIds.set(t, id);
  });
  return {
    texts,
    jsonTexts: texts.map((t) => JSON.stringify(t)),
    singleCharIds,
    wordIds,
    continuationIds,
    firstWordId,
    maxWordLength: MAX_WORD_LENGTH,
    maxContinuationLength: MAX_CONTINUATION_LENGTH,
  };
}
