/**
 * The measuring half of `kneepoint capacity`, shared by the local command and the in-cluster Job: target and
 * tokenizer, the request source, the concurrency search then the rate search (its start: the closed loop's
 * throughput at its answer), capacity.json rewritten after every probe (so Ctrl-C or a crash keeps the probes
 * done), then the server metrics. Renders nothing: no charts, markdown or HTML are reachable from here, so the
 * in-cluster bundle stays small (capacity-report-files.ts writes the reports). Ctrl-C ends the probe in
 * progress (not trusted); the result is then partial.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import { readTargetInfo } from "../engine/target-info.ts";
import { buildRequestHeaders, createStreamClient } from "../engine/openai-stream-client.ts";
import type { StepResult } from "../metrics/summarize-step.ts";
import { resolveTokenizer } from "../tokenizer/resolve-tokenizer.ts";
import { createResultsWriter, newRunId, type ResultsWriter } from "../report/results-writer.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { KneepointError } from "../errors.ts";
import { HARNESS_VERSION } from "../version.ts";
import { scrubSecrets } from "../redact.ts";
import type { CapacityOptions } from "../capacity/capacity-options.ts";
import { buildCapacityPlan, type AxisPlan, type CapacityPlan } from "../capacity/capacity-plan.ts";
import { interruptedOutcome, searchCapacity, type SearchOutcome } from "../capacity/capacity-search.ts";
import { buildAxisResult, type CapacityProbe } from "../capacity/capacity-result.ts";
import { buildCapacityDocument, probeFileName, type CapacityDocument } from "../capacity/capacity-document.ts";
import type { Slo } from "../capacity/slo.ts";
import { describeRequestShape } from "../report/run-context.ts";
import { collectRunContext } from "./collect-run-context.ts";
import { openMetricsSession, readGpuFacts } from "./server-metrics-session.ts";
import { installInterrupt } from "./interrupt.ts";
import { createProgress } from "./progress.ts";
import { createProbeRunner } from "./capacity-probe-runner.ts";
import type { CapacitySourceFactory } from "./capacity-flag-requests.ts";
import { probeEndSummary, probeStartLabel } from "./capacity-print.ts";
import type { CliIo } from "./run-sweep.ts";

/** DESIGN.md §3: a median schedule delay above this flags an open-loop run. */
const LATE_SEND_MS = 10;

export interface CapacitySearchInput {
  config: SweepConfig;
  warnings: string[];
  options: CapacityOptions;
  slos: Slo[];
  scenario: ScenarioConfig | null;
  plan: CapacityPlan;
  /** The requests: capacitySourceOf(scenario) locally; the flags' source in the Job. */
  createSource: CapacitySourceFactory;
}

export interface CapacitySearchHooks {
  /** Before the first probe: the document with no probes yet (the in-cluster Job logs it). */
  onStart?(doc: CapacityDocument): void;
  /** After each probe, with its step summary (probe-<n>.json). */
  onProbe?(probe: CapacityProbe, summary: StepResult): void;
}

export interface CapacitySearchRun {
  writer: ResultsWriter;
  document: CapacityDocument;
  /** Stopped by Ctrl-C: the document is partial. */
  interrupted: boolean;
  secrets: Array<string | undefined>;
  /** Adds to the document's warnings (it holds the same array) and prints. */
  warn(w: string): void;
}

export async function runCapacitySearch(input: CapacitySearchInput, io: CliIo, hooks: CapacitySearchHooks = {}): Promise<CapacitySearchRun> {
  const { config: cfg, options, slos, plan } = input;
  const secrets = [cfg.apiKey, ...Object.values(cfg.headers)];
  const say = (s: string) => io.stderr.write(scrubSecrets(s, secrets) + "\n");
  const warnings: string[] = [];
  const warn = (w: string) => (warnings.push(w), say(`warning: ${w}`));
  for (const w of input.warnings) warn(w);

  const headers = buildRequestHeaders({ headers: cfg.headers, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) });
  const target = await readTargetInfo(cfg.baseUrl, headers, cfg.model);
  const tokenizer = await resolveTokenizer({ tokenizer: cfg.tokenizer, baseUrl: cfg.baseUrl, model: target.model, headers, env: io.env });
  if (tokenizer.warning) warn(tokenizer.warning);
  const source = await input.createSource({ config: cfg, tokenizer: tokenizer.port, model: target.model });
  for (const w of source.warnings) warn(w);

  const runId = newRunId(Date.now(), Math.random());
  const writer = await createResultsWriter(cfg.out, runId);
  say(`kneepoint ${HARNESS_VERSION}: capacity of ${cfg.baseUrl}${cfg.endpoint} (model ${target.model}${target.simulatorProfile ? `, simulator profile ${target.simulatorProfile}` : ""}); results in ${writer.dir}`);
  say(`SLOs: ${slos.map((s) => s.text).join("; ")}`);
  say(`requests: ${source.describe()}`);
  say(`probes: ${plan.ruleText}`);
  const metrics = openMetricsSession(cfg, target, headers, io.env);
  say(`server metrics: ${metrics.description}`);

  const progress = createProgress(io.stderr, io.isTty);
  const interrupt = installInterrupt({
    graceMs: 5000,
    onStop: () => progress.note("stopping: the probe in progress ends now (its verdict is not used); waiting up to 5 s for in-flight requests (Ctrl-C again to cancel them)"),
    onAbort: () => progress.note("cancelling in-flight requests"),
  });
  const client = createStreamClient({ baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, headers: cfg.headers, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}), connections: Infinity, timeoutMs: cfg.timeoutS * 1000 });
  const runner = createProbeRunner({
    slos,
    rule: plan.rule,
    options,
    source,
    client,
    metrics: metrics.source,
    seed: cfg.seed,
    model: target.model,
    tokenizerId: tokenizer.port.source,
    stop: interrupt.stop,
    abort: interrupt.abort,
    onProbeStart: (axis, level, attempt, requests) => progress.stepStart(probeStartLabel(axis, level, attempt), requests),
    onRecord: (done, errors) => progress.update(done, errors),
  });

  const startedAt = new Date().toISOString();
  const probes: CapacityProbe[] = [];
  const outcomes = new Map<AxisPlan["axis"], SearchOutcome<CapacityProbe>>();
  let peaks: Map<number, StepPeaks> | null = null;
  const gpu = await readGpuFacts(metrics.dcgmUrl);
  const runContext = await collectRunContext({ config: cfg, target, gpu, perStep: "see the probe-length rule", cwd: process.cwd() });
  runContext.loadPattern = `capacity search (${plan.axes.map((a) => (a.axis === "rate" ? `open loop, ${plan.arrival} arrivals` : "closed loop")).join("; ")}), seed ${cfg.seed}`;
  if (input.scenario) runContext.requestShape = `${source.describe()}, ${cfg.endpoint}`;

  const buildDocument = (status: "complete" | "partial"): CapacityDocument => {
    const results = plan.axes.flatMap((a) => {
      const o = outcomes.get(a.axis);
      if (!o) return [];
      return [buildAxisResult({ axis: a.axis, probes, answer: o.answer, firstFail: o.firstFail, reason: o.reason, nonMonotone: o.nonMonotone, peaks, metricsNote: metrics.source ? null : metrics.description })];
    });
    return buildCapacityDocument({
      plan,
      runId,
      status,
      startedAt,
      endedAt: new Date().toISOString(),
      harnessVersion: HARNESS_VERSION,
      target: { baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, model: target.model, serverVersion: target.serverVersion, simulator: target.simulator, simulatorProfile: target.simulatorProfile },
      request: source.describe(),
      results,
      probes,
      runContext,
      serverMetrics: metrics.description,
      serverPeaks: peaks ? Object.fromEntries(peaks) : {},
      warnings,
    });
  };

  hooks.onStart?.(buildDocument("partial"));
  try {
    for (const axisPlan of plan.axes) {
      if (interrupt.stop.aborted) break;
      let spec = axisPlan.spec;
      const closed = outcomes.get("concurrency");
      if (axisPlan.startFrom === "closed-loop answer" && closed?.answer != null) {
        const atAnswer = probes.filter((p) => p.axis === "concurrency" && p.level === closed.answer && !p.partial).pop();
        if (atAnswer && atAnswer.achievedRps > 0) spec = { ...spec, start: Math.min(spec.max, Math.max(spec.min, Number(atAnswer.achievedRps.toPrecision(3)))) };
        say(`open loop: starting at ${spec.start} req/s, the closed loop's throughput at c=${closed.answer}`);
      }
      const outcome = await searchCapacity(
        spec,
        async (level, attempt) => {
          const { probe: p, summary } = await runner.run(axisPlan.axis, level, attempt);
          probes.push(p);
          await writer.writeJson(probeFileName(p.index), summary);
          progress.stepEnd(probeEndSummary(p));
          hooks.onProbe?.(p, summary);
          // Open-loop honesty: a client that sends late offers less than the probe's rate (DESIGN.md §3).
          if (p.scheduleDelayP50Ms !== null && p.scheduleDelayP50Ms > LATE_SEND_MS) warn(`probe #${p.index} (${p.level} req/s): median schedule delay ${p.scheduleDelayP50Ms.toFixed(1)} ms > ${LATE_SEND_MS} ms: the client could not keep up, so the offered rate was lower than planned`);
          // Rewritten after every probe: an interrupted or crashed run keeps what it measured, with the bracket so far.
          outcomes.set(axisPlan.axis, interruptedOutcome(probes, axisPlan.axis));
          await writer.writeJson("capacity.json", buildDocument("partial"));
          return p.partial ? null : p;
        },
        () => interrupt.stop.aborted,
      );
      outcomes.set(axisPlan.axis, outcome);
    }
  } finally {
    interrupt.dispose();
    await client.close();
    if (metrics.source) {
      try {
        peaks = await metrics.source.peaks();
      } catch (err) {
        warn(`server metrics could not be read: ${(err as Error).message}${err instanceof KneepointError && err.hint ? ` (${err.hint})` : ""}`);
      }
      for (const w of metrics.source.warnings()) warn(w);
      await metrics.source.close();
    }
  }

  const interrupted = interrupt.stop.aborted;
  return { writer, document: buildDocument(interrupted ? "partial" : "complete"), interrupted, secrets, warn };
}

/** The search plan of a resolved configuration (local and in the Job; --dry-run prints it). */
export function capacityPlanOf(input: { config: SweepConfig; options: CapacityOptions; slos: Slo[]; scenario: ScenarioConfig | null }): CapacityPlan {
  const { config: cfg, scenario } = input;
  const request = scenario ? `data.type ${scenario.data.type} from the scenario config` : describeRequestShape({ inputLen: cfg.inputLen, outputLen: cfg.outputLen, ignoreEos: cfg.ignoreEos, endpoint: cfg.endpoint });
  return buildCapacityPlan(input.options, input.slos, { baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, model: cfg.model ?? null, request, seed: cfg.seed, outputTokens: scenario ? null : cfg.outputLen });
}
