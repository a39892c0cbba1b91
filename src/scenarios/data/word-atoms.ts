/**
 * Prompts of an exact token length, built on the load engine's hot path without calling the tokenizer:
 * up front, find "atoms" — words that are one token each when written after a space, such that
 * " w₁ w₂ … wₙ" encodes to exactly n tokens — then any sequence of atoms has a known length. Atoms are
 * taken from random ids of the vocabulary (decoded one by one, kept when they decode to a plain word),
 * so a prompt of random atoms is a prompt of random token ids of exact length, restricted to word tokens.
 * The additivity is verified on random sequences; when the tokenizer breaks it, lengths are marked
 * approximate and the run says so.
 */
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import { createRng, deriveSeed, type Rng } from "../../workload/rng.ts";

export interface WordAtoms {
  words: readonly string[];
  /** True when every verification sequence encoded to exactly one token per atom. */
  exact: boolean;
}

const WORD = /^[A-Za-z0-9]{1,16}$/;
const PARALLEL_CALLS = 8;
const GROUP = 16;
const VERIFY_LENGTHS = [1, 2, 7, 64, 509];

async function mapParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
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

/** " w₁ w₂ …": the text of a sequence of atoms (each atom one token after its space). */
export function joinAtoms(words: readonly string[]): string {
  return words.length ? " " + words.join(" ") : "";
}

/** `count` atoms drawn with `rng`, as text. */
export function randomAtomText(atoms: readonly string[], count: number, rng: Rng): string {
  const parts = new Array<string>(count);
  for (let i = 0; i < count; i++) parts[i] = atoms[Math.floor(rng.next() * atoms.length)]!;
  return count ? " " + parts.join(" ") : "";
}

async function countTokens(tok: TokenizerPort, text: string): Promise<number> {
  return (await tok.encode(text)).length;
}

/** Words whose " word" is one token: checked in groups of 16 (one call when all pass), one by one otherwise. */
async function singleTokenWords(tok: TokenizerPort, words: string[]): Promise<string[]> {
  const groups: string[][] = [];
  for (let i = 0; i < words.length; i += GROUP) groups.push(words.slice(i, i + GROUP));
  const kept = await mapParallel(groups, async (g) => {
    if ((await countTokens(tok, joinAtoms(g))) === g.length) return g;
    const single = await mapParallel(g, async (w) => ((await countTokens(tok, " " + w)) === 1 ? w : null));
    return single.filter((w): w is string => w !== null);
  });
  return kept.flat();
}

export async function findWordAtoms(tok: TokenizerPort, seed: number, want = 256, maxCandidates = 4096): Promise<WordAtoms> {
  const rng = createRng(deriveSeed(seed, 0xa70));
  const [lo, hi] = tok.idRange;
  const seen = new Set<string>();
  const atoms: string[] = [];
  for (let tried = 0; atoms.length < want && tried < maxCandidates && seen.size < hi - lo; ) {
    const batch = Array.from({ length: Math.min(want, maxCandidates - tried) }, () => rng.int(lo, hi));
    tried += batch.length;
    const texts = await mapParallel(batch, (id) => tok.decode([id]));
    const fresh = texts.map((t) => t.trim()).filter((w) => WORD.test(w) && !seen.has(w) && seen.add(w));
    atoms.push(...(await singleTokenWords(tok, fresh)));
  }
  if (atoms.length < 8) return { words: atoms.length ? atoms : ["a"], exact: false };
  const words = atoms.slice(0, want);
  const checks = await Promise.all(
    VERIFY_LENGTHS.map(async (n, k) => (await countTokens(tok, randomAtomText(words, n, createRng(deriveSeed(seed, 0xa71, k))))) === n),
  );
  return { words, exact: checks.every(Boolean) };
}
