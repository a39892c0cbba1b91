/**
 * A Weka trace's conversation rebuilt turn by turn in token ids, as inference-perf 0.7.0 does
 * (datagen/replay/weka_trace_replay_datagen.py `ConversationReconstructor`, `truncate_synth_buf_at_block`,
 * `longest_common_prefix`): the first call's input is a system segment (the tool + system tokens, in whole blocks)
 * and a user segment; each later call keeps the blocks its hashes share with the previous call's (cutting the
 * segment the shared prefix ends in), then appends the new blocks: first the previous output's blocks as an
 * assistant segment, then the rest as a user segment. Inputs not covered by hashes, and partial last blocks, are
 * filled with tail tokens. A segment's text is always the decode of its ids, so it is decoded only when sent. Pure.
 */
import type { WekaBlockTokens } from "./weka-block-tokens.ts";

export interface RoleSegment {
  role: "system" | "user" | "assistant";
  blockStart: number;
  blockCount: number;
  tokens: number[];
}

export interface TurnInput {
  hashIds: readonly number[];
  inTokens: number;
  outTokens: number;
}

export function longestCommonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Cut the segments back to the first `targetBlocks` blocks; a cut at a segment's end drops the previous partial tail. */
export function truncateAtBlock(segments: RoleSegment[], targetBlocks: number, blockSize: number, prevPartialTail: number): void {
  if (targetBlocks <= 0) {
    segments.length = 0;
    return;
  }
  let cursor = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (cursor + seg.blockCount < targetBlocks) {
      cursor += seg.blockCount;
      continue;
    }
    if (cursor + seg.blockCount === targetBlocks) {
      if (prevPartialTail > 0 && seg.tokens.length > 0) seg.tokens = seg.tokens.slice(0, seg.tokens.length - Math.min(prevPartialTail, seg.tokens.length));
      segments.length = i + 1;
      return;
    }
    if (cursor === targetBlocks) {
      segments.length = i;
      return;
    }
    const kept = targetBlocks - cursor;
    seg.blockCount = kept;
    seg.tokens = seg.tokens.slice(0, Math.min(seg.tokens.length, kept * blockSize));
    segments.length = i + 1;
    return;
  }
}

export function firstTurn(src: WekaBlockTokens, bs: number, turn: TurnInput, toolTokens: number, systemTokens: number, seed: string): RoleSegment[] {
  const mFull = Math.floor(turn.inTokens / bs);
  const partialTail = turn.inTokens - mFull * bs;
  const covered = Math.min(mFull, turn.hashIds.length);
  const missingTokens = (mFull - covered) * bs;
  const segs: RoleSegment[] = [];
  let cursor = 0;
  if (toolTokens > 0 || systemTokens > 0) {
    const prefixBlocks = Math.min(Math.ceil((toolTokens + systemTokens) / bs), turn.hashIds.length);
    if (prefixBlocks > 0) {
      segs.push({ role: "system", blockStart: 0, blockCount: prefixBlocks, tokens: src.blocks(turn.hashIds.slice(0, prefixBlocks)) });
      cursor = prefixBlocks;
    }
  }
  const userBlocks = covered - cursor;
  const userTokens = src.blocks(turn.hashIds.slice(cursor, cursor + userBlocks));
  const tail = missingTokens + partialTail;
  if (tail > 0) userTokens.push(...src.tail(tail, seed));
  segs.push({ role: "user", blockStart: cursor, blockCount: userBlocks, tokens: userTokens });
  return segs;
}

/** The segments after moving from call `prev` to call `curr` (the input segments are copied, not changed). */
export function nextTurn(src: WekaBlockTokens, bs: number, segments: readonly RoleSegment[], prev: TurnInput, curr: TurnInput, seed: string): RoleSegment[] {
  const segs = segments.map((s) => ({ ...s, tokens: s.tokens }));
  const m = curr.hashIds.length;
  const missingTokens = Math.max(0, (Math.floor(curr.inTokens / bs) - m) * bs);
  const lcp = longestCommonPrefix(prev.hashIds, curr.hashIds);
  truncateAtBlock(segs, lcp, bs, prev.inTokens % bs);
  const region = src.blocks(curr.hashIds.slice(lcp, m));
  const tail = missingTokens + (curr.inTokens % bs);
  if (tail > 0) region.push(...src.tail(tail, seed));
  const newBlocks = m - lcp;
  const asstBlocks = Math.min(prev.outTokens > 0 ? Math.ceil(prev.outTokens / bs) : 0, newBlocks);
  let cursor = lcp;
  if (asstBlocks > 0) {
    segs.push({ role: "assistant", blockStart: cursor, blockCount: asstBlocks, tokens: region.slice(0, asstBlocks * bs) });
    cursor += asstBlocks;
  }
  const userTokens = region.slice(asstBlocks * bs);
  if (userTokens.length > 0) segs.push({ role: "user", blockStart: cursor, blockCount: newBlocks - asstBlocks, tokens: userTokens });
  return segs;
}
