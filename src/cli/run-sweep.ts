/**
 * `kneepoint sweep` from a validated config to a printed table: plan, target check, prompts, the native
 * engine's closed loop per step, results written step by step (so Ctrl-C loses nothing measured), the table.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import type { RequestError } from "../engine/request-record.ts";
import { describeErrorCounts } from "../metrics/summarize-step.ts";
import { buildSweepPlan, describePlan } from "../workload/sweep-plan.ts";
import { readTargetInfo } from "../engine/target-info.ts";
import { resolveTokenizer } from "../tokenizer/resolve-tokenizer.ts";
import { runSweep, stepLevel, type StepOutcome } from "../engine/sweep-runner.ts";
import { buildRequestHeaders } from "../engine/openai-stream-client.ts";
import { createResultsWriter, newRunId, stepFileName, type RecordStream } from "../report/results-writer.ts";
import { stepStateToJson } from "../metrics/step-state-json.ts";
import { describeShardedSweepPlan, shardSweepPlan, type ShardedSweepPlan } from "../shard/split-sweep.ts";
import { waitUntil } from "../shard/shard-spec.ts";
import type { SweepPlan } from "../workload/sweep-plan.ts";
import { redactConfig, scrubSecrets } from "../redact.ts";
import { reportRun } from "./report-run.ts";
import { renderSweepTable } from "../report/sweep-table.ts";
import { EnvironmentError, InterruptedError, KneepointError } from "../errors.ts";
import { openMetricsSession, readGpuFacts } from "./server-metrics-session.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { TimeSeries } from "../server-metrics/time-series.ts";
import { HARNESS_VERSION } from "../version.ts";
import { installInterrupt } from "./interrupt.ts";
import { createProgress } from "./progress.ts";
import { resultMarkerLine } from "../engine/vllm/result-markers.ts";

/** The marker tag of a shard's step state in a load pod's log. */
export const SHARD_STATE_TAG = "kneepoint-shard-state";
import type { Gate } from "../gates/gate.ts";
import { gatePercentiles, throwIfGatesFailed } from "./fail-on.ts";
import type { GateOutcome } from "../gates/evaluate-gates.ts";
import { authFailureHint, authFailureOfError, describeAuthFailure, sendsCredentials } from "../engine/auth-failure.ts";

/** A shard's step state framed by `=== kneepoint-shard-state c=N begin/end ===`: what the cluster runner merges. */
export function markedShardState(concurrency: number, block: object): string {
  const markers = { tag: SHARD_STATE_TAG };
  return `\n${resultMarkerLine(concurrency, "begin", markers)}\n${JSON.stringify(block)}\n${resultMarkerLine(concurrency, "end", markers)}\n`;
}

/** Waits for the shared start time (`--start-at`), saying how long once a second; Ctrl-C ends the wait. */
export async function waitForStart(epochMs: number, stop: AbortSignal, progress: { note(line: string): void }): Promise<void> {
  const late = Date.now() - epochMs;
  if (late > 1000) {
    progress.note(`warning: the shared start time (--start-at) was ${(late / 1000).toFixed(1)} s ago: this process starts late, and the merge will show its skew`);
    return;
  }
  let said = -1;
  await waitUntil(epochMs, stop, (remainingMs) => {
    const s = Math.ceil(remainingMs / 1000);
    if (s !== said && (s % 10 === 0 || s <= 3 || said === -1)) progress.note(`waiting ${s} s for the shared start time (--start-at ${new Date(epochMs).toISOString()})`);
    said = s;
  });
}

/** A step's result framed by the markers the Job log's reader (extractMarkedResults) looks for. */
export function markedResult(concurrency: number, result: object): string {
  return `\n${resultMarkerLine(concurrency, "begin")}\n${JSON.stringify(result)}\n${resultMarkerLine(concurrency, "end")}\n`;
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTty: boolean;
  color: boolean;
  env: NodeJS.ProcessEnv;
}

export interface SweepRunReport {
  dir: string | null;
  steps: StepOutcome[];
  partial: boolean;
}

/** What to check first, from the first failure's reason and status. */
export function hintFor(first: RequestError | null | undefined, cfg: SweepConfig, model: string): string {
  if (authFailureOfError(first)) return authFailureHint(sendsCredentials(requestCredentials(cfg)));
  if (first?.reason === "http" && first.status === 404) return `check --endpoint (${cfg.endpoint}) and --model ('${model}')`;
  if (first?.reason === "http" && first.status === 429) return "the target is rate-limiting: lower --concurrency or raise the limit (LiteLLM: the key's rpm/tpm)";
  if (first?.reason === "connection") return `the target at ${cfg.baseUrl} stopped answering`;
  if (first?.reason === "not-a-stream") return "the target did not stream: check that it supports stream=true, or that no auth proxy answers instead";
  if (first?.reason === "timeout") return "raise --timeout, or lower --output-len / --concurrency";
  const serves = `check that ${cfg.baseUrl}${cfg.endpoint} serves model '${model}'`;
  // A LiteLLM proxy without its prisma package answers a request without a key 500, not 401 (test/litellm/).
  if (first?.reason === "http" && !sendsCredentials(requestCredentials(cfg))) return `${serves}; ${authFailureHint(false)}, if the target needs one (a LiteLLM proxy does)`;
  return serves;
}

/** The headers that carry the run's credentials (the key as a bearer token, and any --header). */
function requestCredentials(cfg: SweepConfig): Record<string, string> {
  return { ...cfg.headers, ...(cfg.apiKey ? { authorization: "Bearer" } : {}) };
}

/** Things a user must know about a step's numbers. */
function stepWarnings(o: StepOutcome): string[] {
  const out: string[] = [];
  if (o.result.output_tokens_counted > 0) {
    out.push(`${o.result.output_tokens_counted} responses had no usage.completion_tokens: their output tokens were counted from text chunks`);
  }
  if (o.promptLengthMismatches > 0) out.push(`${o.promptLengthMismatches} prompts did not encode to exactly --input-len tokens (see prompt_length_mismatches in summary.json)`);
  const estimated = o.result.estimated_metrics;
  if (estimated?.length) {
    out.push(`${estimated.join(", ")}: more samples than are kept exactly (${o.state.exactCap.toLocaleString("en-US")}), so percentiles come from a histogram, within ${((o.result.estimate_relative_error ?? 0) * 100).toFixed(2)} % (estimated_metrics in the step file)`);
  }
  if (o.cancelled > 0) out.push(`${o.cancelled} in-flight requests were cancelled by Ctrl-C and are not counted`);
  return out;
}

export interface SweepCommandOptions {
  /** benchmarks.md to append the run to, or null. */
  record: string | null;
  /** Render charts into the run directory. */
  charts: boolean;
  /** Print each step's result between result markers on stdout (the in-cluster Job's channel to the runner). */
  logResults?: boolean;
  /** --fail-on gates (parsed and validated by the command), checked at every step after the table. */
  gates?: Gate[];
}

export async function runSweepCommand(cfgIn: SweepConfig, warnings: string[], io: CliIo, opts: SweepCommandOptions = { record: null, charts: true }): Promise<SweepRunReport> {
  // A gate on p75(ttft) needs p75 in every step result: the gates' percentiles are computed too.
  const gatePs = gatePercentiles(opts.gates ?? []).filter((p) => !cfgIn.percentiles.includes(p));
  const cfg: SweepConfig = gatePs.length ? { ...cfgIn, percentiles: [...cfgIn.percentiles, ...gatePs] } : cfgIn;
  // One shard's numbers are not the run's: only the merged run (`kneepoint merge`) is recorded.
  const record = cfg.shard ? null : opts.record;
  const secrets = [cfg.apiKey, ...Object.values(cfg.headers)];
  const say = (s: string) => io.stderr.write(scrubSecrets(s, secrets) + "\n");
  // Every warning of the run is printed and kept for summary.json.
  const runWarnings: string[] = [];
  const warn = (w: string, print: (line: string) => void = say) => {
    runWarnings.push(w);
    print(`warning: ${w}`);
  };
  for (const w of warnings) warn(w);
  const sharded: ShardedSweepPlan | null = cfg.shard ? shardSweepPlan(buildSweepPlan(cfg), cfg.shard) : null;
  const plan: SweepPlan | ShardedSweepPlan = sharded ?? buildSweepPlan(cfg);
  if (cfg.dryRun) {
    io.stdout.write((sharded ? describeShardedSweepPlan(sharded) : describePlan(plan as SweepPlan)) + "\n(dry run: nothing was sent)\n");
    return { dir: null, steps: [], partial: false };
  }
  const shard = sharded ? { ...sharded.shard, startAtEpochMs: cfg.startAtEpochMs ?? null } : null;

  const authHeaders = buildRequestHeaders({ headers: cfg.headers, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) });
  const target = await readTargetInfo(cfg.baseUrl, authHeaders, cfg.model);
  const tokenizer = await resolveTokenizer({ tokenizer: cfg.tokenizer, baseUrl: cfg.baseUrl, model: target.model, headers: authHeaders, env: io.env });
  if (tokenizer.warning) warn(tokenizer.warning);
  plan.target.model = target.model;

  const runId = newRunId(Date.now(), Math.random());
  const writer = await createResultsWriter(cfg.out, runId);
  await writer.writeJson("config.json", redactConfig(cfg));
  await writer.writeJson("plan.json", plan);
  await writer.writeJson("target.json", { ...target, tokenizer: tokenizer.port.source, exactInputLengths: tokenizer.exact, harnessVersion: HARNESS_VERSION });
  say(`kneepoint ${HARNESS_VERSION}: sweeping ${cfg.baseUrl}${cfg.endpoint} (model ${target.model}${target.serverVersion ? `, server ${target.serverVersion}` : ""})`);
  say(`prompts: ${cfg.inputLen} tokens via ${tokenizer.port.source}; output ${cfg.outputLen} tokens; results in ${writer.dir}`);
  const metrics = openMetricsSession(cfg, target, authHeaders, io.env);
  say(`server metrics: ${metrics.description}`);

  if (shard) say(`shard ${shard.index}/${shard.count} of plan ${shard.planId}: this process sends ${plan.totalRequests} of the plan's ${sharded!.unsharded.totalRequests} requests; \`kneepoint merge\` joins the shards' result directories`);
  say(`building ${plan.totalRequests} prompts…`);
  const progress = createProgress(io.stderr, io.isTty);
  const interrupt = installInterrupt({
    graceMs: 5000,
    onStop: () => progress.note("stopping: no new requests; waiting up to 5 s for in-flight ones (Ctrl-C again to cancel them)"),
    onAbort: () => progress.note("cancelling in-flight requests"),
  });
  const startedAt = new Date().toISOString();
  // The samples file of the step in progress (a holder, so the closures below can set it).
  const open: { samples: RecordStream | null } = { samples: null };
  let result;
  try {
    result = await runSweep({
      plan,
      config: cfg,
      model: target.model,
      tokenizer: tokenizer.port,
      stop: interrupt.stop,
      abort: interrupt.abort,
      ...(cfg.startAtEpochMs !== undefined ? { beforeLoad: () => waitForStart(cfg.startAtEpochMs!, interrupt.stop, progress) } : {}),
      events: {
        onStepStart: (step) => {
          const level = stepLevel(step);
          metrics.source?.beginStep(level);
          progress.stepStart(shard ? `c=${level} (this shard: ${step.concurrency})` : `c=${level}`, step.numPrompts);
          open.samples = writer.openRecords(stepFileName(level, "samples"));
        },
        onRecord: (_step, rec, done, errors) => {
          open.samples?.write(rec);
          progress.update(done, errors);
        },
        onStepEnd: async (o) => {
          const level = stepLevel(o.step);
          await open.samples?.close();
          open.samples = null;
          await metrics.source?.endStep(level, o.result.started_at_ms, o.result.ended_at_ms);
          await writer.writeJson(stepFileName(level, "step"), o.result);
          const state = stepStateToJson(o.state);
          await writer.writeJson(stepFileName(level, "state"), state);
          if (opts.logResults) io.stdout.write(markedResult(level, o.result));
          if (opts.logResults && shard) io.stdout.write(markedShardState(level, { shard, concurrency: level, partial: o.partial, promptLengthMismatches: o.promptLengthMismatches, clientCpuMs: o.state.clientCpuMs, state }));
          const r = o.result;
          const errs = r.failed ? `, ${r.failed} failed (${describeErrorCounts(o.result.errors_by_reason)})` : "";
          progress.stepEnd(`${r.completed} ok${errs} in ${r.duration.toFixed(1)} s: ${r.request_throughput.toFixed(2)} req/s, ${r.output_throughput.toFixed(0)} tok/s${o.partial ? " (partial)" : ""}`);
          for (const w of stepWarnings(o)) warn(`c=${level}: ${w}`, (line) => progress.note(line));
        },
      },
    });
  } finally {
    interrupt.dispose();
    await open.samples?.close().catch(() => undefined);
  }

  let peaks: Map<number, StepPeaks> | null = null;
  let series: TimeSeries[] = [];
  if (metrics.source && result.steps.length > 0) {
    if (metrics.source.kind === "prometheus") say(`waiting ${cfg.scrapeIntervalS + 1} s for Prometheus' last scrape of the sweep`);
    try {
      peaks = await metrics.source.peaks();
      series = await metrics.source.series();
    } catch (err) {
      warn(`server metrics could not be read: ${(err as Error).message}${err instanceof KneepointError && err.hint ? ` (${err.hint})` : ""}`);
    }
    for (const w of metrics.source.warnings()) warn(w);
  }
  await metrics.source?.close();
  const gpu = await readGpuFacts(metrics.dcgmUrl);

  const status = result.partial ? "partial" : "complete";
  await writer.writeJson("summary.json", {
    runId,
    status,
    startedAt,
    endedAt: new Date().toISOString(),
    harnessVersion: HARNESS_VERSION,
    target: { baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, model: target.model, serverVersion: target.serverVersion },
    tokenizer: tokenizer.port.source,
    warnings: runWarnings,
    ...(shard ? { shard } : {}),
    steps: result.steps.map((o) => ({
      concurrency: stepLevel(o.step),
      ...(shard ? { shard_concurrency: o.step.concurrency } : {}),
      partial: o.partial,
      file: stepFileName(stepLevel(o.step), "step"),
      state_file: stepFileName(stepLevel(o.step), "state"),
      client_cpu_ms: o.state.clientCpuMs,
      completed: o.result.completed,
      failed: o.result.failed,
      errors_by_reason: o.result.errors_by_reason,
      prompt_length_mismatches: o.promptLengthMismatches,
    })),
  });

  const anyOk = result.steps.some((o) => o.result.completed > 0);
  if (!anyOk && !interrupt.stop.aborted && result.steps.length > 0) {
    // Nothing to report or record: a table of zeros would be a wrong number, and no baseline may come from it.
    io.stdout.write(`results: ${writer.dir} (${status}, every request failed)\n`);
    const first = result.steps.map((o) => o.firstError).find((e) => e !== null);
    const refused = authFailureOfError(first);
    if (refused) {
      const skipped = plan.steps.length - result.steps.length;
      throw new EnvironmentError(
        `${describeAuthFailure(refused, `${cfg.baseUrl}${cfg.endpoint}`)}: every request failed${skipped > 0 ? `; the remaining ${skipped} step(s) were not run` : ""}`,
        `${hintFor(first, cfg, target.model)}; details in ${writer.dir}`,
      );
    }
    throw new EnvironmentError(
      `every request failed${first ? `; first error: ${first.reason}${first.status ? ` ${first.status}` : ""}: ${scrubSecrets(first.message, secrets)}` : ""}`,
      `${hintFor(first, cfg, target.model)}; details in ${writer.dir}`,
    );
  }

  let gateOutcomes: GateOutcome[] = [];
  if (shard && result.steps.length > 0) {
    // One shard's numbers are a part of the run: its table shows its own share; knee, verdict, gates and benchmarks.md
    // belong to the merged run.
    const rows = result.steps.map((o) => ({ concurrency: o.step.concurrency, result: o.result, partial: o.partial, peaks: peaks?.get(stepLevel(o.step)) ?? null }));
    io.stdout.write("\n" + renderSweepTable(rows, { color: io.color }) + "\n");
    io.stdout.write(`shard ${shard.index}/${shard.count}: conc is this shard's share of each step; the run's table, knee, verdict${opts.gates?.length ? ", --fail-on gates" : ""} and benchmarks.md come from \`kneepoint merge OUT\` over the ${shard.count} shards' result directories\n`);
  } else if (result.steps.length > 0) {
    const reported = await reportRun({
      runId,
      config: cfg,
      target,
      steps: result.steps.map((o) => ({ concurrency: stepLevel(o.step), result: o.result, partial: o.partial })),
      peaks,
      gpu,
      writer,
      record: result.partial ? null : record,
      series,
      charts: opts.charts,
      perStep: cfg.numPrompts !== undefined ? String(cfg.numPrompts) : `max(${cfg.minPrompts}, ${cfg.promptsPerStep}×c)`,
      io,
      gates: opts.gates ?? [],
      baselineFile: record ?? "benchmarks.md",
    });
    gateOutcomes = reported.gates;
    if (result.partial && record) say(`not recorded in ${record}: the run is partial`);
  }
  io.stdout.write(`results: ${writer.dir} (${status})\n`);

  if (interrupt.stop.aborted) {
    throw new InterruptedError(`run stopped by Ctrl-C after ${result.steps.length} of ${plan.steps.length} steps`, `partial results are in ${writer.dir}`);
  }
  throwIfGatesFailed(gateOutcomes, `${writer.dir}/gates.json`);
  return { dir: writer.dir, steps: result.steps, partial: result.partial };
}
