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
  blocks: number;
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
  freeBlocks: number;
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
}

export function createEngineState(config: EngineConfig): EngineState {
  return { config, waiting: [], running: [], byId: new Map(), freeBlocks: config.totalBlocks, step: null, clockMs: 0, preemptionsTotal: 0 };
}

export function addRequest(state: EngineState, request: NewRequest, arrivalMs: number): void {
  if (request.targetOutputTokens < 1) throw new Error("targetOutputTokens must be ≥ 1");
  const seq: Sequence = {
    ...request,
    lora: request.lora ?? null,
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

export function kvUsage(state: EngineState): number {
  const total = state.config.totalBlocks;
  return total === 0 ? 0 : (total - state.freeBlocks) / total;
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
    while (needed > state.freeBlocks) {
      const victim = state.running.pop()!;
      preempt(state, victim);
      preemptions++;
      if (victim === seq) {
        selfPreempted = true;
        break;
      }
    }
    if (selfPreempted) break;
    state.freeBlocks -= needed;
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
      const newTokens = Math.min(seq.promptTokens + seq.outputTokens - seq.computedTokens, budget);
      const needed = blocksFor(newTokens, blockSize);
      if (needed > state.freeBlocks) break;
      state.waiting.splice(w, 1);
      if (seq.lora !== null) loras.add(seq.lora);
      state.freeBlocks -= needed;
      seq.blocks = needed;
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
  state.freeBlocks += seq.blocks;
  seq.blocks = 0;
  seq.computedTokens = 0;
  state.waiting.unshift(seq);
}

function completeStep(state: EngineState, step: EngineStep, out: TokenEvent[]): void {
  for (const { seq, newTokens } of step.scheduled) {
    if (seq.done) continue;
    seq.computedTokens += newTokens;
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

function finish(state: EngineState, seq: Sequence): void {
  if (seq.done) return;
  seq.done = true;
  state.freeBlocks += seq.blocks;
  seq.blocks = 0;
  state.byId.delete(seq.id);
  const i = state.running.indexOf(seq);
  if (i >= 0) state.running.splice(i, 1);
}
