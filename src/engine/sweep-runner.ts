/**
 * Runs a sweep plan (or one shard's part of it) with the native engine: per step, seeded prompts of exact length, an optional unmeasured
 * warmup, then the measured closed loop on a fresh keep-alive pool sized to the step's concurrency.
 * Emits events for progress and persistence; on `stop` it finishes the step in progress with what was
 * measured, marks it partial and runs no further step.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import type { PlannedStep, SweepPlan } from "../workload/sweep-plan.ts";
import type { TokenizerPort } from "../tokenizer/tokenizer-port.ts";
import { buildPrompts } from "../workload/prompts.ts";
import { buildRequestBody } from "../workload/request-body.ts";
import { createStreamClient, type PreparedRequest } from "./openai-stream-client.ts";
import { preparedSource } from "../load/closed-loop.ts";
import { runLoad, stageConcurrency, type LoadStage } from "../load/run-load.ts";
import { stepPromptRanges, type ShardedStep, type ShardedSweepPlan } from "../shard/split-sweep.ts";
import type { RequestError, RequestRecord } from "./request-record.ts";
import type { StepResult } from "../metrics/summarize-step.ts";
import { addRecord, createStepState, setStepWindow, summarizeStepState, type StepState } from "../metrics/step-state.ts";
import { EnvironmentError, KneepointError } from "../errors.ts";
import { authFailureOfError } from "./auth-failure.ts";

export interface StepOutcome {
  step: SweepStep;
  result: StepResult;
  /** The step's mergeable summary state (src/metrics/step-state.ts): what a shard writes for `kneepoint merge`. */
  state: StepState;
  /** The step's records when the run was asked to keep them (`keepRecords`), else empty: records are summarized as they come. */
  records: RequestRecord[];
  /** The failure of the earliest-sent failed request, or null. */
  firstError: RequestError | null;
  /** True when the run was stopped during this step. */
  partial: boolean;
  /** Prompts whose text did not encode to the exact target length. */
  promptLengthMismatches: number;
  /** In-flight requests cancelled by Ctrl-C: in the samples, not in the result. */
  cancelled: number;
}

export interface SweepEvents {
  /** Called when the step's prompts are ready and its requests are about to be sent. */
  onStepStart?(step: SweepStep): void;
  onRecord?(step: SweepStep, rec: RequestRecord, done: number, errors: number): void;
  onStepEnd?(outcome: StepOutcome): void | Promise<void>;
}

export interface SweepRunOptions {
  plan: SweepPlan | ShardedSweepPlan;
  config: SweepConfig;
  model: string;
  tokenizer: TokenizerPort;
  /** Ends dispatching; in-flight requests finish. */
  stop: AbortSignal;
  /** Cancels in-flight requests (after the grace period). */
  abort: AbortSignal;
  events?: SweepEvents;
  /** Called once every step's prompts are built, before the first request: where a shard waits for `--start-at`. */
  beforeLoad?(): Promise<void>;
  /** Keep every record in StepOutcome.records (tests; default false: a run holds no records, see `events.onRecord`). */
  keepRecords?: boolean;
}

export interface SweepRunResult {
  steps: StepOutcome[];
  partial: boolean;
  /** True when the run stopped after a step whose every request was refused on credentials (auth-failure.ts). */
  credentialsRefused: boolean;
}

/** A step's serialized requests: the unmeasured warmup ones first, then the measured ones. */
type PreparedStep = { warmup: PreparedRequest[]; measured: PreparedRequest[]; mismatched: number };

/** A sweep step, or a shard's part of one (`--shard`: its own workers and its slice of the step's prompt set). */
export type SweepStep = PlannedStep | ShardedStep;

/** The step's level: its concurrency in the unsharded plan (what names its files and rows). */
export function stepLevel(step: SweepStep): number {
  return "level" in step ? step.level : step.concurrency;
}

async function prepareRequests(opts: SweepRunOptions, step: SweepStep): Promise<PreparedStep> {
  const { config, plan } = opts;
  const ranges = stepPromptRanges(step);
  const bodyOpts = { apiKind: plan.target.apiKind, model: opts.model, outputLen: config.outputLen, ignoreEos: config.ignoreEos };
  const build = async (range: { first: number; count: number }, base: number) => {
    const set = await buildPrompts(opts.tokenizer, { count: range.count, first: range.first, inputLen: config.inputLen, seed: step.promptSeed });
    const requests = set.prompts.map((p, k): PreparedRequest => ({ index: range.first - base + k, body: buildRequestBody(p.text, bodyOpts), plannedPromptTokens: p.expectedPromptTokens }));
    return { requests, mismatched: set.mismatched };
  };
  const warmup = await build(ranges.warmup, 0);
  // Measured prompts sit after the unsharded step's warm-ups in its set; their indices count from the first measured one.
  const setWarmups = "promptOffset" in step ? (opts.plan as ShardedSweepPlan).unsharded.steps[step.index]!.warmup : step.warmup;
  const measured = await build(ranges.measured, setWarmups);
  return { warmup: warmup.requests, measured: measured.requests, mismatched: warmup.mismatched + measured.mismatched };
}

function resultContext(opts: SweepRunOptions, step: SweepStep) {
  const { plan } = opts;
  return {
    backend: "kneepoint-native",
    endpointType: plan.target.apiKind === "chat" ? "openai-chat" : "openai",
    label: `c${stepLevel(step)}`,
    modelId: opts.model,
    tokenizerId: opts.tokenizer.source,
    numPrompts: step.numPrompts,
    requestRate: "inf" as const,
    burstiness: 1,
    maxConcurrency: step.concurrency,
    percentiles: opts.config.percentiles,
  };
}

/** The failure of the earliest-sent failed request of the state, or null. */
export function firstErrorOf(state: StepState): RequestError | null {
  let first: { error: RequestError; sendEpochMs: number } | null = null;
  for (const f of Object.values(state.firstErrors)) if (f && (first === null || f.sendEpochMs < first.sendEpochMs)) first = f;
  return first?.error ?? null;
}

/**
 * Every step's prompts are built before the first request is sent, so a tokenizer failure stops the run before
 * any load (not between steps, with measured steps unreported). The steps are one plan of closed-loop stages run
 * by the one load runner (src/load/run-load.ts), each on a fresh keep-alive pool sized to its concurrency.
 */
export async function runSweep(opts: SweepRunOptions): Promise<SweepRunResult> {
  const prepared: PreparedStep[] = [];
  for (const step of opts.plan.steps) {
    try {
      prepared.push(await prepareRequests(opts, step));
    } catch (err) {
      if (err instanceof KneepointError) throw err;
      throw new EnvironmentError(
        `building prompts with ${opts.tokenizer.source} failed: ${(err as Error).message}`,
        "pass --tokenizer (a tokenizer.json path or Hugging Face id) to build prompts locally",
        { cause: err },
      );
    }
  }
  await opts.beforeLoad?.();
  const { config } = opts;
  const requests = prepared.flatMap((p) => [...p.warmup, ...p.measured]);
  const stages: LoadStage[] = opts.plan.steps.map((step, i) => ({
    kind: "concurrent",
    concurrency: step.concurrency,
    numRequests: prepared[i]!.measured.length,
    warmup: prepared[i]!.warmup.length,
  }));
  const steps: StepOutcome[] = [];
  let credentialsRefused = false;
  let done = 0;
  let errors = 0;
  // The step in progress: its state, its kept records, and what is counted beside the state.
  let state = createStepState();
  let kept: RequestRecord[] = [];
  let cancelled = 0;
  let refused = 0;
  let cpuAtStart = process.cpuUsage();
  const epochOffsetMs = Date.now() - performance.now();
  await runLoad({
    stages,
    source: preparedSource(requests),
    // A record's index is its prompt's index among the step's measured prompts (preparedSource's recordIndex).
    clientFor: (_i, stage) =>
      createStreamClient({
        baseUrl: config.baseUrl,
        endpoint: config.endpoint,
        headers: config.headers,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        connections: Math.max(1, stageConcurrency(stage) ?? 1),
        timeoutMs: config.timeoutS * 1000,
      }),
    releaseClient: (_i, client) => client.close(),
    seed: opts.plan.load.seed,
    stop: opts.stop,
    abort: opts.abort,
    keepRecords: false,
    epochOffsetMs,
    onStageStart: (i) => {
      done = 0;
      errors = 0;
      state = createStepState();
      kept = [];
      cancelled = 0;
      refused = 0;
      cpuAtStart = process.cpuUsage();
      opts.events?.onStepStart?.(opts.plan.steps[i]!);
    },
    onRecord: (rec) => {
      done++;
      if (rec.error) errors++;
      // Requests cancelled by Ctrl-C were not allowed to finish: they are kept in the samples, not counted as failures.
      if (rec.error?.reason === "aborted") cancelled++;
      else {
        addRecord(state, rec, epochOffsetMs, rec.scheduledMs);
        if (authFailureOfError(rec.error)) refused++;
      }
      if (opts.keepRecords) kept.push(rec);
      opts.events?.onRecord?.(opts.plan.steps[rec.stage]!, rec, done, errors);
    },
    onStageEnd: async (run, i) => {
      const step = opts.plan.steps[i]!;
      const cpu = process.cpuUsage(cpuAtStart);
      state.clientCpuMs = (cpu.user + cpu.system) / 1000;
      setStepWindow(state, run.startEpochMs, run.endEpochMs);
      const outcome: StepOutcome = {
        step,
        result: summarizeStepState(state, resultContext(opts, step)),
        state,
        records: kept,
        firstError: firstErrorOf(state),
        partial: run.unsent > 0 || run.status === "interrupted" || opts.stop.aborted,
        promptLengthMismatches: prepared[i]!.mismatched,
        cancelled,
      };
      steps.push(outcome);
      await opts.events?.onStepEnd?.(outcome);
      if (outcome.partial) return false;
      // The same key would be refused at every later step: stop after the first one that shows it.
      if (state.sent > 0 && refused === state.sent) {
        credentialsRefused = true;
        return false;
      }
      return true;
    },
  });
  const partial = opts.stop.aborted || steps.length < opts.plan.steps.length || steps.some((o) => o.partial);
  return { steps, partial, credentialsRefused };
}
