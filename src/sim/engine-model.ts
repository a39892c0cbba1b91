/**
 * The engine model: a vLLM-V1-like continuous-batching scheduler over a paged KV cache, in
 * virtual milliseconds. No timers inside: callers add requests at a time and `advanceEngine` to a
 * time; it runs every step whose end has passed and reports the tokens they produced.
 *
 * Each step (like vLLM V1's scheduler):
 * 1. running sequences first, oldest first: each gets its missing tokens (1 when decoding, the rest
 *    of its prompt when prefilling) within the step's token budget (max_num_batched_tokens, so long
 *    prompts are prefilled in chunks). If its next KV block cannot be allocated, the youngest running
 *    sequence is preempted (recompute: its KV is freed, it goes back to the front of the queue and
 *    later re-prefills prompt + generated tokens) until the block fits;
 * 2. then, if nothing was preempted in this step, waiting requests in arrival order while running <
 *    max_num_seqs, budget remains and the KV blocks for their first chunk are free.
 * A sequence whose KV covers all its known tokens at the end of a step samples one token.
 * The step lasts its roofline cost (roofline.ts).
 *
 * Automatic prefix caching (vLLM's APC, `prefixCaching`): a request may carry the hashes of its prompt's full KV
 * blocks, each chained to the one before (block i's hash covers tokens 0 … (i+1)·blockSize). When a request is
 * first scheduled, its longest run of leading blocks already in the cache is shared instead of computed (at most
 * promptTokens − 1 tokens: the last prompt token is always computed, so a token is sampled), and the hit and the
 * looked-up tokens are counted (vllm:prefix_cache_hits_total / queries_total). A full prompt block a sequence
 * computes is entered in the cache. When no sequence holds a cached block it stays cached but evictable: it counts
 * as free, and is given away (least recently used first) only when no truly free block is left. A preempted
 * sequence releases its blocks the same way, so its re-prefill can hit its own evictable blocks.
 */
import { withLoraOverhead } from "./lora-cost.ts";
import type { StepCost, StepWork } from "./roofline.ts";

export interface EngineConfig {
  blockSize: number;
  totalBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  stepCost: (work: StepWork) => StepCost;
  /** vLLM's --max-loras: distinct LoRA adapters the running batch may hold (waiting requests of another wait). */
  maxLoras?: number;
  /** Extra step time per distinct LoRA adapter in the step, ms (lora-cost.ts). */
  loraStepOverheadMs?: number;
  /** vLLM's automatic prefix caching (--enable-prefix-caching): requests' blockHashes are looked up and cached. */
  prefixCaching?: boolean;
}

export type FinishReason = "length" | "stop";

interface Sequence {
  id: number;
  promptTokens: number;
  targetOutputTokens: number;
  finishReason: FinishReason;
  lora: string | null;
  arrivalMs: number;
  computedTokens: number;
  outputTokens: number;
  /** KV blocks the sequence holds: its own, plus the cached ones it shares (`held`). */
  blocks: number;
  /** Hashes of the prompt's full blocks (prefix caching), or empty. */
  blockHashes: readonly string[];
  /** Cached blocks the sequence holds a reference to, in prompt order (the leading blocks of its prompt). */
  held: string[];
  firstScheduledMs: number | null;
  done: boolean;
}

export interface ScheduledSequence {
  seq: Sequence;
  newTokens: number;
}

export interface EngineStep {
  startMs: number;
  endMs: number;
  scheduled: ScheduledSequence[];
  cost: StepCost;
  preemptions: number;
}

export interface TokenEvent {
  id: number;
  atMs: number;
  /** 0-based index of the generated token. */
  index: number;
  /** Set on the request's last token. */
  finishReason: FinishReason | null;
  /** arrival → first scheduled, virtual ms (the same value on every event of a request). */
  queueMs: number;
}

export interface EngineState {
  config: EngineConfig;
  waiting: Sequence[];
  running: Sequence[];
  byId: Map<number, Sequence>;
  /** Blocks no sequence holds and no cache entry keeps. */
  freeBlocks: number;
  /** Cached blocks by hash, with how many sequences hold each. */
  cache: Map<string, { refs: number }>;
  /** Cached blocks no sequence holds, least recently used first: free to take, but a hit until taken. */
  evictable: Map<string, true>;
  /** Prompt tokens looked up in the prefix cache, and those found (vllm:prefix_cache_queries/hits_total). */
  prefixQueriedTokens: number;
  prefixHitTokens: number;
  step: EngineStep | null;
  /** End of the last completed step (virtual ms). */
  clockMs: number;
  preemptionsTotal: number;
}

export interface AdvanceResult {
  tokens: TokenEvent[];
  steps: EngineStep[];
  /** End of the step in flight, or null when idle. */
  nextEventMs: number | null;
}

export interface NewRequest {
  id: number;
  promptTokens: number;
  targetOutputTokens: number;
  finishReason: FinishReason;
  /** The LoRA adapter the request runs with; null or absent for the base model. */
  lora?: string | null;
  /** Chained hashes of the prompt's full KV blocks (promptBlockHashes), for prefix caching. */
  blockHashes?: readonly string[];
}

export function createEngineState(config: EngineConfig): EngineState {
  return {
    config,
    waiting: [],
    running: [],
    byId: new Map(),
    freeBlocks: config.totalBlocks,
    cache: new Map(),
    evictable: new Map(),
    prefixQueriedTokens: 0,
    prefixHitTokens: 0,
    step: null,
    clockMs: 0,
    preemptionsTotal: 0,
  };
}

export function addRequest(state: EngineState, request: NewRequest, arrivalMs: number): void {
  if (request.targetOutputTokens < 1) throw new Error("targetOutputTokens must be ≥ 1");
  const seq: Sequence = {
    ...request,
    lora: request.lora ?? null,
    blockHashes: state.config.prefixCaching ? (request.blockHashes ?? []) : [],
    held: [],
    arrivalMs,
    computedTokens: 0,
    outputTokens: 0,
    blocks: 0,
    firstScheduledMs: null,
    done: false,
  };
  state.waiting.push(seq);
  state.byId.set(seq.id, seq);
}

/** Drops a request (client went away): frees its KV; a step in flight ignores it. */
export function abortRequest(state: EngineState, id: number): void {
  const seq = state.byId.get(id);
  if (!seq) return;
  finish(state, seq);
  state.waiting = state.waiting.filter((s) => s !== seq);
}

/** Blocks in use (held by a sequence), as vLLM's kv_cache_usage_perc counts them: evictable cached blocks are free. */
export function kvUsage(state: EngineState): number {
  const total = state.config.totalBlocks;
  return total === 0 ? 0 : (total - availableBlocks(state)) / total;
}

/** Blocks a sequence can get now: the free ones and the evictable cached ones. */
function availableBlocks(state: EngineState): number {
  return state.freeBlocks + state.evictable.size;
}

/** Takes n blocks (n ≤ availableBlocks): free ones first, then the least recently used evictable cached ones. */
function takeBlocks(state: EngineState, n: number): void {
  const fromFree = Math.min(n, state.freeBlocks);
  state.freeBlocks -= fromFree;
  let evict = n - fromFree;
  for (const hash of state.evictable.keys()) {
    if (evict === 0) break;
    state.evictable.delete(hash);
    state.cache.delete(hash);
    evict--;
  }
}

/** Gives back a sequence's blocks: its own become free, the cached ones it held evictable when nobody else holds them. */
function releaseBlocks(state: EngineState, seq: Sequence): void {
  state.freeBlocks += seq.blocks - seq.held.length;
  for (const hash of seq.held) {
    const entry = state.cache.get(hash);
    if (entry && --entry.refs === 0) state.evictable.set(hash, true);
  }
  seq.blocks = 0;
  seq.held = [];
}

/** How many of `hashes`' leading blocks are in the cache now (what a precise prefix-aware router reads). */
export function cachedPrefixBlocks(state: EngineState, hashes: readonly string[]): number {
  let n = 0;
  for (const h of hashes) {
    if (!state.cache.has(h)) break;
    n++;
  }
  return n;
}

/** The leading cached blocks a sequence about to prefill from scratch can share (leaving ≥ 1 prompt token to compute). */
function cachedPrefix(state: EngineState, seq: Sequence): string[] {
  const usable = Math.floor((seq.promptTokens - 1) / state.config.blockSize);
  const hits: string[] = [];
  for (const hash of seq.blockHashes) {
    if (hits.length >= usable || !state.cache.has(hash)) break;
    hits.push(hash);
  }
  return hits;
}

/** Runs every step that ends at or before `nowMs`, then starts the next one if there is work. */
export function advanceEngine(state: EngineState, nowMs: number): AdvanceResult {
  const tokens: TokenEvent[] = [];
  const steps: EngineStep[] = [];
  for (;;) {
    if (state.step) {
      if (state.step.endMs > nowMs) break;
      const step = state.step;
      completeStep(state, step, tokens);
      steps.push(step);
      state.clockMs = step.endMs;
      state.step = scheduleStep(state, step.endMs);
      continue;
    }
    const head = state.waiting[0];
    if (state.running.length > 0) {
      state.step = scheduleStep(state, state.clockMs);
    } else if (head && head.arrivalMs <= nowMs) {
      state.step = scheduleStep(state, Math.max(state.clockMs, head.arrivalMs));
    }
    if (!state.step) break;
  }
  return { tokens, steps, nextEventMs: state.step ? state.step.endMs : null };
}

function blocksFor(tokens: number, blockSize: number): number {
  return Math.ceil(tokens / blockSize);
}

function scheduleStep(state: EngineState, atMs: number): EngineStep | null {
  const { blockSize, maxNumBatchedTokens, maxNumSeqs } = state.config;
  let budget = maxNumBatchedTokens;
  const scheduled: ScheduledSequence[] = [];
  let preemptions = 0;

  for (let i = 0; i < state.running.length && budget > 0; ) {
    const seq = state.running[i]!;
    const newTokens = Math.min(seq.promptTokens + seq.outputTokens - seq.computedTokens, budget);
    const needed = blocksFor(seq.computedTokens + newTokens, blockSize) - seq.blocks;
    let selfPreempted = false;
    while (needed > availableBlocks(state)) {
      const victim = state.running.pop()!;
      preempt(state, victim);
      preemptions++;
      if (victim === seq) {
        selfPreempted = true;
        break;
      }
    }
    if (selfPreempted) break;
    takeBlocks(state, needed);
    seq.blocks += needed;
    scheduled.push({ seq, newTokens });
    budget -= newTokens;
    i++;
  }

  if (preemptions === 0) {
    // vLLM V1's max_loras rule: a waiting request whose adapter would make the batch hold more than max_loras
    // distinct adapters is skipped (it keeps its place); the ones behind it may still be scheduled.
    const loras = new Set(scheduled.flatMap(({ seq }) => (seq.lora === null ? [] : [seq.lora])));
    const maxLoras = state.config.maxLoras ?? Infinity;
    for (let w = 0; w < state.waiting.length && state.running.length < maxNumSeqs && budget > 0; ) {
      const seq = state.waiting[w]!;
      if (seq.arrivalMs > atMs) break;
      if (seq.lora !== null && !loras.has(seq.lora) && loras.size >= maxLoras) {
        w++;
        continue;
      }
      // A sequence prefilling from scratch shares the cached blocks of its prompt's prefix (vLLM's APC).
      const hits = seq.computedTokens === 0 ? cachedPrefix(state, seq) : [];
      const computed = seq.computedTokens + hits.length * blockSize;
      const newTokens = Math.min(seq.promptTokens + seq.outputTokens - computed, budget);
      const needed = blocksFor(computed + newTokens, blockSize) - hits.length;
      const hitsEvictable = hits.filter((h) => state.evictable.has(h)).length;
      if (needed > availableBlocks(state) - hitsEvictable) break;
      state.waiting.splice(w, 1);
      if (seq.lora !== null) loras.add(seq.lora);
      if (seq.blockHashes.length > 0 && seq.computedTokens === 0) {
        state.prefixQueriedTokens += seq.promptTokens;
        state.prefixHitTokens += hits.length * blockSize;
      }
      for (const hash of hits) {
        state.cache.get(hash)!.refs++;
        state.evictable.delete(hash);
      }
      seq.held = hits;
      seq.computedTokens = computed;
      takeBlocks(state, needed);
      seq.blocks = hits.length + needed;
      seq.firstScheduledMs ??= atMs;
      state.running.push(seq);
      scheduled.push({ seq, newTokens });
      budget -= newTokens;
    }
  }

  state.preemptionsTotal += preemptions;
  if (scheduled.length === 0) return null;
  const work: StepWork = { tokens: 0, contextTokens: 0, attentionPairs: 0 };
  for (const { seq, newTokens } of scheduled) {
    const c = seq.computedTokens;
    work.tokens += newTokens;
    work.contextTokens += c + newTokens;
    work.attentionPairs += newTokens * c + (newTokens * (newTokens + 1)) / 2;
  }
  const cost = withLoraOverhead(state.config.stepCost(work), scheduled, state.config.loraStepOverheadMs ?? 0);
  return { startMs: atMs, endMs: atMs + cost.durationMs, scheduled, cost, preemptions };
}

function preempt(state: EngineState, seq: Sequence): void {
  releaseBlocks(state, seq);
  seq.computedTokens = 0;
  state.waiting.unshift(seq);
}

function completeStep(state: EngineState, step: EngineStep, out: TokenEvent[]): void {
  for (const { seq, newTokens } of step.scheduled) {
    if (seq.done) continue;
    const before = seq.computedTokens;
    seq.computedTokens += newTokens;
    cacheComputedBlocks(state, seq, before);
    if (seq.computedTokens < seq.promptTokens + seq.outputTokens) continue; // prefill chunk, no token yet
    seq.outputTokens += 1;
    const last = seq.outputTokens >= seq.targetOutputTokens;
    out.push({
      id: seq.id,
      atMs: step.endMs,
      index: seq.outputTokens - 1,
      finishReason: last ? seq.finishReason : null,
      queueMs: (seq.firstScheduledMs ?? step.startMs) - seq.arrivalMs,
    });
    if (last) finish(state, seq);
  }
}

/**
 * Enters the prompt blocks the sequence just completed in the cache, held by it (the same physical blocks: they move
 * from its own to its shared ones). A block another sequence cached first stays the sequence's own.
 */
function cacheComputedBlocks(state: EngineState, seq: Sequence, before: number): void {
  if (seq.blockHashes.length === 0) return;
  const { blockSize } = state.config;
  const full = Math.min(Math.floor(Math.min(seq.computedTokens, seq.promptTokens) / blockSize), seq.blockHashes.length);
  for (let b = Math.floor(before / blockSize); b < full; b++) {
    const hash = seq.blockHashes[b]!;
    // Only a chain: block b is shared only when every block before it is (the prefix property of the hashes).
    if (seq.held.length !== b || state.cache.has(hash)) break;
    state.cache.set(hash, { refs: 1 });
    seq.held.push(hash);
  }
}

function finish(state: EngineState, seq: Sequence): void {
  if (seq.done) return;
  seq.done = true;
  releaseBlocks(state, seq);
  state.byId.delete(seq.id);
  const i = state.running.indexOf(seq);
  if (i >= 0) state.running.splice(i, 1);
}
