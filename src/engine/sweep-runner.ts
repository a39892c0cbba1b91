/**
 * Runs a sweep plan with the native engine: per step, seeded prompts of exact length, an optional unmeasured
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
import { runClosedLoop } from "../load/closed-loop.ts";
import type { RequestRecord } from "./request-record.ts";
import { summarizeStep, type StepResult } from "../metrics/summarize-step.ts";
import { EnvironmentError, KneepointError } from "../errors.ts";
import { everyRequestRefusedCredentials } from "./auth-failure.ts";

export interface StepOutcome {
  step: PlannedStep;
  result: StepResult;
  records: RequestRecord[];
  /** True when the run was stopped during this step. */
  partial: boolean;
  /** Prompts whose text did not encode to the exact target length. */
  promptLengthMismatches: number;
  /** In-flight requests cancelled by Ctrl-C: in the samples, not in the result. */
  cancelled: number;
}

export interface SweepEvents {
  /** Called when the step's prompts are ready and its requests are about to be sent. */
  onStepStart?(step: PlannedStep): void;
  onRecord?(step: PlannedStep, rec: RequestRecord, done: number, errors: number): void;
  onStepEnd?(outcome: StepOutcome): void | Promise<void>;
}

export interface SweepRunOptions {
  plan: SweepPlan;
  config: SweepConfig;
  model: string;
  tokenizer: TokenizerPort;
  /** Ends dispatching; in-flight requests finish. */
  stop: AbortSignal;
  /** Cancels in-flight requests (after the grace period). */
  abort: AbortSignal;
  events?: SweepEvents;
}

export interface SweepRunResult {
  steps: StepOutcome[];
  partial: boolean;
  /** True when the run stopped after a step whose every request was refused on credentials (auth-failure.ts). */
  credentialsRefused: boolean;
}

/** A step's serialized requests: the unmeasured warmup ones first in the prompt set, then the measured ones. */
type PreparedStep = { warmup: PreparedRequest[]; measured: PreparedRequest[]; mismatched: number };

async function prepareRequests(opts: SweepRunOptions, step: PlannedStep): Promise<PreparedStep> {
  const { config, plan } = opts;
  const set = await buildPrompts(opts.tokenizer, { count: step.numPrompts + step.warmup, inputLen: config.inputLen, seed: step.promptSeed });
  const bodyOpts = { apiKind: plan.target.apiKind, model: opts.model, outputLen: config.outputLen, ignoreEos: config.ignoreEos };
  const toRequest = (p: (typeof set.prompts)[number], index: number): PreparedRequest => ({
    index,
    body: buildRequestBody(p.text, bodyOpts),
    plannedPromptTokens: p.expectedPromptTokens,
  });
  return {
    warmup: set.prompts.slice(0, step.warmup).map(toRequest),
    measured: set.prompts.slice(step.warmup).map(toRequest),
    mismatched: set.mismatched,
  };
}

async function runStep(opts: SweepRunOptions, step: PlannedStep, prepared: PreparedStep): Promise<StepOutcome> {
  const { config, plan } = opts;
  const { warmup, measured, mismatched } = prepared;
  opts.events?.onStepStart?.(step);
  const client = createStreamClient({
    baseUrl: config.baseUrl,
    endpoint: config.endpoint,
    headers: config.headers,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    connections: step.concurrency,
    timeoutMs: config.timeoutS * 1000,
  });
  const now = () => performance.now();
  try {
    if (warmup.length > 0) {
      await runClosedLoop({ concurrency: step.concurrency, requests: warmup, send: client.send, stop: opts.stop, abort: opts.abort, now });
    }
    let done = 0;
    let errors = 0;
    const startedAtMs = Date.now();
    const loop = await runClosedLoop({
      concurrency: step.concurrency,
      requests: measured,
      send: client.send,
      stop: opts.stop,
      abort: opts.abort,
      now,
      onRecord: (rec) => {
        done++;
        if (rec.error) errors++;
        opts.events?.onRecord?.(step, rec, done, errors);
      },
    });
    const endedAtMs = Date.now();
    // Requests cancelled by Ctrl-C were not allowed to finish: they are kept in the samples, not counted as failures.
    const finished = loop.records.filter((r) => r.error?.reason !== "aborted");
    const result = summarizeStep(finished, {
      durationMs: loop.endMs - loop.startMs,
      startedAtMs,
      endedAtMs,
      backend: "kneepoint-native",
      endpointType: plan.target.apiKind === "chat" ? "openai-chat" : "openai",
      label: `c${step.concurrency}`,
      modelId: opts.model,
      tokenizerId: opts.tokenizer.source,
      numPrompts: step.numPrompts,
      requestRate: "inf",
      burstiness: 1,
      maxConcurrency: step.concurrency,
      percentiles: config.percentiles,
    });
    return {
      step,
      result,
      records: loop.records,
      partial: loop.unsent > 0 || opts.stop.aborted,
      promptLengthMismatches: mismatched,
      cancelled: loop.records.length - finished.length,
    };
  } finally {
    await client.close();
  }
}

/**
 * Every step's prompts are built before the first request is sent, so a tokenizer failure stops the run before
 * any load (not between steps, with measured steps unreported).
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
  const steps: StepOutcome[] = [];
  for (const [i, step] of opts.plan.steps.entries()) {
    if (opts.stop.aborted) break;
    const outcome = await runStep(opts, step, prepared[i]!);
    steps.push(outcome);
    await opts.events?.onStepEnd?.(outcome);
    if (outcome.partial) break;
    // The same key would be refused at every later step: stop after the first one that shows it.
    if (everyRequestRefusedCredentials(outcome.records)) {
      return { steps, partial: steps.length < opts.plan.steps.length, credentialsRefused: true };
    }
  }
  return { steps, partial: opts.stop.aborted || steps.length < opts.plan.steps.length, credentialsRefused: false };
}
