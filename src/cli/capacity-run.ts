/**
 * `kneepoint capacity` from validated inputs to the answer: plan (printed by --dry-run), target and tokenizer,
 * the request source, the concurrency search then the rate search (its start: the closed loop's throughput at its
 * answer), capacity.json rewritten after every probe (so Ctrl-C or a crash keeps the probes done), then the
 * server metrics, report.md, the chart and the gates. Ctrl-C ends the probe in progress (not trusted), writes
 * what was measured and exits 130.
 */
import type { SweepConfig } from "../config/sweep-config.ts";
import { readTargetInfo } from "../engine/target-info.ts";
import { buildRequestHeaders, createStreamClient } from "../engine/openai-stream-client.ts";
import { resolveTokenizer } from "../tokenizer/resolve-tokenizer.ts";
import { createResultsWriter, newRunId } from "../report/results-writer.ts";
import { writeFileAtomically } from "../report/write-file-atomically.ts";
import { writeChartFiles } from "../report/charts/write-chart-files.ts";
import { describeRequestShape } from "../report/run-context.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { InterruptedError, KneepointError } from "../errors.ts";
import { HARNESS_VERSION } from "../version.ts";
import { scrubSecrets } from "../redact.ts";
import type { Gate } from "../gates/gate.ts";
import { evaluateGates } from "../gates/evaluate-gates.ts";
import { capacityScope } from "../gates/capacity-scope.ts";
import { gatesFile } from "../gates/render-gates.ts";
import type { CapacityOptions } from "../capacity/capacity-options.ts";
import { buildCapacityPlan, describeCapacityPlan, type AxisPlan } from "../capacity/capacity-plan.ts";
import { bracketOf, searchCapacity, type SearchOutcome } from "../capacity/capacity-search.ts";
import { buildAxisResult, type CapacityProbe } from "../capacity/capacity-result.ts";
import { buildCapacityDocument, probeFileName, type CapacityDocument } from "../capacity/capacity-document.ts";
import { renderCapacityMarkdown } from "../capacity/capacity-markdown.ts";
import { capacityCharts } from "../capacity/capacity-chart.ts";
import type { Slo } from "../capacity/slo.ts";
import { collectRunContext } from "./collect-run-context.ts";
import { openMetricsSession, readGpuFacts } from "./server-metrics-session.ts";
import { installInterrupt } from "./interrupt.ts";
import { createProgress } from "./progress.ts";
import { createProbeRunner } from "./capacity-probe-runner.ts";
import { createCapacityRequestSource } from "./capacity-request-source.ts";
import { probeEndSummary, probeStartLabel, renderCapacityTerminal } from "./capacity-print.ts";
import { printGates, throwIfGatesFailed } from "./fail-on.ts";
import { writeCapacityHtml } from "./capacity-html-file.ts";
import type { CliIo } from "./run-sweep.ts";

/** DESIGN.md §3: a median schedule delay above this flags an open-loop run. */
const LATE_SEND_MS = 10;

export interface CapacityCommandInput {
  config: SweepConfig;
  warnings: string[];
  options: CapacityOptions;
  slos: Slo[];
  scenario: ScenarioConfig | null;
  gates: Gate[];
  charts: boolean;
  /** --dry-run against the built-in simulator: what to print instead of its (not yet known) URL. */
  targetLabel?: string;
}

export interface CapacityRunReport {
  dir: string | null;
  document: CapacityDocument | null;
}

export async function runCapacityCommand(input: CapacityCommandInput, io: CliIo): Promise<CapacityRunReport> {
  const { config: cfg, options, slos } = input;
  const secrets = [cfg.apiKey, ...Object.values(cfg.headers)];
  const say = (s: string) => io.stderr.write(scrubSecrets(s, secrets) + "\n");
  const warnings: string[] = [];
  const warn = (w: string) => (warnings.push(w), say(`warning: ${w}`));
  for (const w of input.warnings) warn(w);
  const requestText = input.scenario ? `data.type ${input.scenario.data.type} from the scenario config` : describeRequestShape({ inputLen: cfg.inputLen, outputLen: cfg.outputLen, ignoreEos: cfg.ignoreEos, endpoint: cfg.endpoint });
  const plan = buildCapacityPlan(options, slos, { baseUrl: cfg.baseUrl, endpoint: cfg.endpoint, model: cfg.model ?? null, request: requestText, seed: cfg.seed, outputTokens: input.scenario ? null : cfg.outputLen });
  if (input.targetLabel) plan.target.baseUrl = input.targetLabel;
  if (cfg.dryRun) {
    io.stdout.write(describeCapacityPlan(plan) + "\n(dry run: nothing was sent)\n");
    return { dir: null, document: null };
  }

  const headers = buildRequestHeaders({ headers: cfg.headers, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) });
  const target = await readTargetInfo(cfg.baseUrl, headers, cfg.model);
  const tokenizer = await resolveTokenizer({ tokenizer: cfg.tokenizer, baseUrl: cfg.baseUrl, model: target.model, headers, env: io.env });
  if (tokenizer.warning) warn(tokenizer.warning);
  const source = await createCapacityRequestSource({ scenario: input.scenario, config: cfg, tokenizer: tokenizer.port, model: target.model });
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
          // Open-loop honesty: a client that sends late offers less than the probe's rate (DESIGN.md §3).
          if (p.scheduleDelayP50Ms !== null && p.scheduleDelayP50Ms > LATE_SEND_MS) warn(`probe #${p.index} (${p.level} req/s): median schedule delay ${p.scheduleDelayP50Ms.toFixed(1)} ms > ${LATE_SEND_MS} ms: the client could not keep up, so the offered rate was lower than planned`);
          // Rewritten after every probe: an interrupted or crashed run keeps what it measured, with the bracket so far.
          const sofar = bracketOf(probes.filter((x) => x.axis === axisPlan.axis && !x.partial).map((x) => ({ level: x.level, attempt: x.attempt, verdict: x })));
          outcomes.set(axisPlan.axis, { probes: [], answer: sofar.lastPass, firstFail: sofar.firstFail, reason: "interrupted", nonMonotone: [] });
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

  const partial = interrupt.stop.aborted;
  const doc = buildDocument(partial ? "partial" : "complete");
  const charts = input.charts && probes.length > 0 ? await writeChartFiles(capacityCharts(doc), writer.dir) : [];
  for (const c of charts) for (const w of c.warnings) warn(`chart ${c.name}: ${w}`);
  await writer.writeJson("capacity.json", doc);
  await writeFileAtomically(`${writer.dir}/report.md`, renderCapacityMarkdown(doc, charts.map((c) => ({ name: c.name, file: `${c.name}.svg` }))));
  const html = await writeCapacityHtml(doc, writer.dir, secrets);
  for (const w of html.warnings) warn(`report.html: ${w}`);
  io.stdout.write(renderCapacityTerminal(doc, io.color) + "\n");

  const answers = { rateRps: doc.results.find((r) => r.axis === "rate")?.answer ?? null, concurrency: doc.results.find((r) => r.axis === "concurrency")?.answer ?? null };
  const gateOutcomes = evaluateGates(input.gates, [capacityScope(answers)]);
  if (gateOutcomes.length) {
    await writer.writeJson("gates.json", gatesFile(gateOutcomes, "checked on the answers (capacity_rps, capacity_concurrency)", null));
    printGates(gateOutcomes, "capacity", (s) => io.stdout.write(s));
  }
  io.stdout.write(`report: ${html.path}\n`);
  io.stdout.write(`results: ${writer.dir} (${doc.status}; capacity.json, report.md, report.html${charts.length ? `, ${charts.map((c) => `${c.name}.svg/.png`).join(", ")}` : ""})\n`);
  if (partial) throw new InterruptedError(`capacity search stopped by Ctrl-C after ${probes.length} probes`, `the probes done so far are in ${writer.dir}/capacity.json`);
  throwIfGatesFailed(gateOutcomes, `${writer.dir}/gates.json`);
  return { dir: writer.dir, document: doc };
}
