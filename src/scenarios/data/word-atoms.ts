/**
 * Prompts of an exact token length, built on the load engine's hot path without calling the tokenizer:
 * up front, find "atoms" — words that are one token each, such that n atoms separated by spaces encode to
 * exactly n tokens — then any sequence of atoms has a known length. Atoms are taken from random ids of the
 * vocabulary (decoded one by one, kept when they decode to a plain word), so a prompt of random atoms is a
 * prompt of random token ids of exact length, restricted to word tokens.
 *
 * Texts are built with a space before every word (" w₁ w₂ … wₙ"), which concatenate. Tokenizers differ on the
 * first word, so two forms are tried: `lead` keeps that space (GPT-2/Llama-3 byte-level BPE, where " w" is the
 * token; the simulator), `join` drops it from the finished prompt (SentencePiece models such as Llama-2 and
 * Mistral prepend "▁" themselves, so a leading space would add a token). The first form whose additivity
 * verifies on random sequences is used; when neither does, lengths are marked approximate and the run says so.
 */
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import { createRng, deriveSeed, type Rng } from "../../workload/rng.ts";

export type AtomForm = "lead" | "join";

export interface WordAtoms {
  words: readonly string[];
  form: AtomForm;
  /** True when every verification sequence encoded to exactly one token per atom. */
  exact: boolean;
}

const WORD = /^[A-Za-z0-9]{1,16}$/;
const PARALLEL_CALLS = 8;
const GROUP = 16;
const VERIFY_LENGTHS = [1, 2, 7, 64, 509];

export async function mapParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, items.length) }, worker));
  return out;
}

/** A text built with a space before every word, as the prompt sent in this form. */
export function finishPrompt(text: string, form: AtomForm): string {
  return form === "join" && text.startsWith(" ") ? text.slice(1) : text;
}

/** How one word is written when it is counted alone in this form. */
export function wordAlone(word: string, form: AtomForm): string {
  return form === "lead" ? " " + word : word;
}

/** `count` atoms drawn with `rng`, as text with a space before every word. */
export function randomAtomText(atoms: readonly string[], count: number, rng: Rng): string {
  const parts = new Array<string>(count);
  for (let i = 0; i < count; i++) parts[i] = atoms[Math.floor(rng.next() * atoms.length)]!;
  return count ? " " + parts.join(" ") : "";
}

async function countTokens(tok: TokenizerPort, text: string): Promise<number> {
  return (await tok.encode(text)).length;
}

/** Words that are one token in this form: checked in groups of 16 (one call when all pass), one by one otherwise. */
async function singleTokenWords(tok: TokenizerPort, words: readonly string[], form: AtomForm): Promise<string[]> {
  const groups: string[][] = [];
  for (let i = 0; i < words.length; i += GROUP) groups.push(words.slice(i, i + GROUP));
  const kept = await mapParallel(groups, async (g) => {
    if ((await countTokens(tok, finishPrompt(" " + g.join(" "), form))) === g.length) return g;
    const single = await mapParallel(g, async (w) => ((await countTokens(tok, wordAlone(w, form))) === 1 ? w : null));
    return single.filter((w): w is string => w !== null);
  });
  return kept.flat();
}

/** Distinct plain words decoded from random ids of the vocabulary, up to `want` of them. */
async function candidateWords(tok: TokenizerPort, seed: number, want: number, maxCandidates: number): Promise<string[]> {
  const rng = createRng(deriveSeed(seed, 0xa70));
  const [lo, hi] = tok.idRange;
  const seen = new Set<string>();
  for (let tried = 0; seen.size < want && tried < maxCandidates && tried < hi - lo; ) {
    const batch = Array.from({ length: Math.min(want, maxCandidates - tried) }, () => rng.int(lo, hi));
    tried += batch.length;
    for (const text of await mapParallel(batch, (id) => tok.decode([id]))) {
      const w = text.trim();
      if (WORD.test(w)) seen.add(w);
    }
  }
  return [...seen];
}

async function verify(tok: TokenizerPort, words: readonly string[], form: AtomForm, seed: number): Promise<boolean> {
  const checks = await Promise.all(
    VERIFY_LENGTHS.map(async (n, k) => (await countTokens(tok, finishPrompt(randomAtomText(words, n, createRng(deriveSeed(seed, 0xa71, k))), form))) === n),
  );
  return checks.every(Boolean);
}

export async function findWordAtoms(tok: TokenizerPort, seed: number, want = 256, maxCandidates = 4096): Promise<WordAtoms> {
  const candidates = await candidateWords(tok, seed, want * 2, maxCandidates);
  let fallback: WordAtoms | null = null;
  for (const form of ["lead", "join"] as const) {
    const words = (await singleTokenWords(tok, candidates, form)).slice(0, want);
    if (words.length < 8) continue;
    if (await verify(tok, words, form, seed)) return { words, form, exact: true };
    fallback ??= { words, form, exact: false };
  }
  return fallback ?? { words: candidates.length ? candidates.slice(0, want) : ["a"], form: "lead", exact: false };
}
