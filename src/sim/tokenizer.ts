/**
 * A deterministic tokenizer over vocabulary.ts, built so that the harness can make prompts of an
 * exact length through /detokenize and /tokenize:
 *
 *   tokenize(detokenize(ids)) === ids   for every sequence of ordinary ids (< ORDINARY_TOKENS).
 *
 * Tokenizing text: a lowercase run, with the space before it if there is one, is one segment,
 * split greedily into the longest word piece (" " + letters) and then the longest continuation
 * pieces; every other character is its own token (characters outside the vocabulary become
 * <unk>). U+200B (zero-width space) is a segment break that produces no token.
 *
 * Detokenizing joins token texts, and inserts U+200B exactly where plain joining would make the
 * tokenizer split differently (e.g. " ab" then "c" when " abc" is a word, or " " then "cd"). Text
 * that tokenize produced from real text needs no marker, so detokenize(tokenize(text)) === text
 * for text within the vocabulary (segments of up to MAX_SEGMENT_TOKENS pieces).
 */
import { BOS_ID, getVocabulary, ORDINARY_TOKENS, UNK_ID, type Vocabulary } from "./vocabulary.ts";

export const SEGMENT_BREAK = "\u200b";
const SPACE = 32;
const ZWSP = 0x200b;
/** Longest segment detokenize keeps without a break, which bounds its re-parsing work. */
const MAX_SEGMENT_TOKENS = 16;

function isLower(code: number): boolean {
  return code >= 97 && code <= 122;
}

/** Greedy parse of one lowercase segment `text` (optionally starting with a space). */
function parseSegment(vocab: Vocabulary, text: string, out: number[]): void {
  let i = 0;
  if (text.charCodeAt(0) === SPACE) {
    const letters = text.length - 1;
    for (let len = Math.min(letters, vocab.maxWordLength); len >= 1; len--) {
      const id = vocab.wordIds.get(text.slice(0, len + 1));
      if (id !== undefined) {
        out.push(id);
        i = len + 1;
        break;
      }
    }
  }
  while (i < text.length) {
    for (let len = Math.min(text.length - i, vocab.maxContinuationLength); len >= 1; len--) {
      const id = vocab.continuationIds.get(text.slice(i, i + len));
      if (id !== undefined) {
        out.push(id);
        i += len;
        break;
      }
    }
  }
}

export function tokenize(text: string, addSpecialTokens: boolean): number[] {
  const vocab = getVocabulary();
  const out: number[] = addSpecialTokens ? [BOS_ID] : [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === ZWSP) {
      i++;
      continue;
    }
    const startsSegment = isLower(c) || (c === SPACE && i + 1 < n && isLower(text.charCodeAt(i + 1)));
    if (startsSegment) {
      let j = i + 1;
      while (j < n && isLower(text.charCodeAt(j))) j++;
      parseSegment(vocab, text.slice(i, j), out);
      i = j;
      continue;
    }
    const surrogatePair = c >= 0xd800 && c <= 0xdbff && i + 1 < n;
    const ch = surrogatePair ? text.slice(i, i + 2) : text[i]!;
    out.push(vocab.singleCharIds.get(ch) ?? UNK_ID);
    i += ch.length;
  }
  return out;
}

/** Text of token ids; special tokens render as their text, <unk> as U+FFFD. */
export function detokenize(ids: readonly number[]): string {
  const vocab = getVocabulary();
  const parts: string[] = [];
  let segment: number[] = []; // ordinary pieces of the lowercase segment being built
  let segmentText = "";
  let prevText = "";
  for (const id of ids) {
    const text = id === UNK_ID ? "\ufffd" : (vocab.texts[id] ?? "\ufffd");
    const isContinuation = id < ORDINARY_TOKENS && vocab.continuationIds.get(text) === id;
    const isWord = id < ORDINARY_TOKENS && !isContinuation && text.length > 1 && text.charCodeAt(0) === SPACE;
    if (isContinuation) {
      if (prevText === " ") {
        parts.push(SEGMENT_BREAK); // " " + "cd" would read as the word piece " c…"
      } else if (segment.length > 0) {
        const reparsed: number[] = [];
        parseSegment(vocab, segmentText + text, reparsed);
        const same = segment.length < MAX_SEGMENT_TOKENS && reparsed.length === segment.length + 1 &&
          reparsed.every((r, k) => r === (k < segment.length ? segment[k] : id));
        if (same) {
          segment.push(id);
          segmentText += text;
          parts.push(text);
          prevText = text;
          continue;
        }
        parts.push(SEGMENT_BREAK);
      }
      segment = [id];
      segmentText = text;
    } else if (isWord) {
      segment = [id];
      segmentText = text;
    } else {
      segment = [];
      segmentText = "";
    }
    parts.push(text);
    prevText = text;
  }
  return parts.join("");
}
