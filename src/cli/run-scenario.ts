/**
 * `kneepoint run -c config.yml` below the command line: an inference-perf config (either schema generation) run
 * with the native engine. Read and validate the config (exit 2 when it is wrong) → plan (pure; `--dry-run`
 * prints it and stops) → the target's model and tokenizer → the request source → the server time series
 * started (a direct /metrics scrape, or Prometheus afterwards) → the stages, with progress per stage on stderr →
 * inference-perf's report files and server_metrics_timeseries.json (local first, then any bucket) → a summary
 * table and the stages' warnings on stdout → report.md and the charts in the report directory. Ctrl-C stops
 * sending, lets in-flight requests finish (5 s), writes the partial reports and exits 130.
 */
import { sessionLifecycleFiles } from "../scenarios/report/session-lifecycle-files.ts";
import type { SessionStageResult } from "../scenarios/load/session-replay-stage.ts";
import { EnvironmentError, InterruptedError } from "../errors.ts";
import { buildRequestHeaders } from "../engine/openai-stream-client.ts";
import { readTargetInfo } from "../engine/target-info.ts";
import { readClientCertificate } from "../engine/client-certificate.ts";
import { useClientCertificateForFetch } from "../engine/client-certificate-fetch.ts";
import { MOCK_LATENCY_S } from "../engine/mock-client.ts";
import { mockReportOptions, mockTargetInfo, mockTokenizer } from "./scenario-mock.ts";
import { sendsCredentials } from "../engine/auth-failure.ts";
import { redactHeaders, scrubSecrets } from "../redact.ts";
import { TIMESERIES_FILE } from "../report/compare/scenario-report-files.ts";
import { loadPreviewTokenizer } from "../tokenizer/preview-tokenizer.ts";
import { resolveTokenizer } from "../tokenizer/resolve-tokenizer.ts";
import { readScenarioConfigWithWarnings } from "../scenarios/config/read-scenario-config.ts";
import { configWarningsFile } from "../scenarios/config/compatibility-warnings.ts";
import type { ScenarioConfig } from "../scenarios/config/scenario-config-schema.ts";
import { effectiveConfigYaml } from "../scenarios/config/effective-config-yaml.ts";
import { createRequestSource } from "../scenarios/data/create-request-source.ts";
import { runStages } from "../scenarios/load/run-stages.ts";
import { plannedRequestCount } from "../scenarios/load/stage-offsets.ts";
import { loadFactsOfState, stageWarnings } from "../scenarios/load/stage-warnings.ts";
import { buildScenarioPlan } from "../scenarios/plan/build-scenario-plan.ts";
import { describeScenarioPlan } from "../scenarios/plan/describe-scenario-plan.ts";
import { clientOptionsFor, prometheusOptionsFor, reportOptionsFor, serverSeriesSourceFor, storageTargetsFor, withOutputDir, kneepointRunFile } from "../scenarios/plan/run-options.ts";
import { withRunWindows } from "../scenarios/report/collect-prometheus-reports.ts";
import { responseTokenOptions } from "../scenarios/report/response-token-counts.ts";
import { renderScenarioSummaryTableFromStates } from "../scenarios/report/scenario-summary-table.ts";
import { openRecordSink } from "../scenarios/report/record-sink.ts";
import type { RequestError } from "../engine/request-record.ts";
import { writeScenarioReports, type StateStageRun, type WriteScenarioReportsOptions } from "../scenarios/report/write-scenario-reports.ts";
import { createServerSeriesRecorder, withReplicaUrls } from "../scenarios/server-series/server-series-recorder.ts";
import type { ReportFile } from "../scenarios/storage/report-file.ts";
import type { StagePlan, StageRun } from "../scenarios/types.ts";
import { targetKindOf } from "../report/run-context.ts";
import { HARNESS_VERSION } from "../version.ts";
import { installInterrupt } from "./interrupt.ts";
import type { ShardSpec } from "../shard/shard-spec.ts";
import { refuseShardedSweep, shardRequestSource, shardStages } from "../shard/split-stages.ts";
import { checkShardedScenario } from "./scenario-shard-checks.ts";
import { scenarioPlanId } from "../shard/scenario-plan-id.ts";
import { scenarioShardFiles } from "../shard/scenario-shard-files.ts";
import { createProgress } from "./progress.ts";
import { printRunCharts } from "./print-run-charts.ts";
import { renderRunPodMetrics } from "../report/pod-metrics/pod-metrics-terminal.ts";
import { waitForStart, type CliIo } from "./run-sweep.ts";
import type { Gate } from "../gates/gate.ts";
import { printGates, throwIfGatesFailed } from "./fail-on.ts";
import { checkScenarioGates, evaluateScenarioGatesFromStates, KNEEPOINT_GATES_FILE, scenarioGatesFile } from "./scenario-gates.ts";
import { createRefusalWatch, everyRequestFailedError, withApiKeyFromEnv } from "./scenario-credentials.ts";

export interface RunCommandOptions {
  config: string;
  sets: string[];
  dryRun: boolean;
  /** Replaces storage.local_storage.path. */
  output: string | null;
  /** Render report.md and the charts into the report directory (--no-charts: false). */
  charts: boolean;
  /** Record the server time series (--no-server-metrics: false). */
  serverMetrics: boolean;
  /** Test seams for the report writer (bucket clients, Prometheus clock). */
  writerDeps?: Pick<WriteScenarioReportsOptions, "s3Deps" | "gcsDeps" | "clock" | "sleep">;
  /** --fail-on gates (parsed by the command), checked on the run's summary. */
  gates?: Gate[];
  /** --shard i/N: send this shard's part of every stage (src/shard/split-stages.ts). */
  shard?: ShardSpec;
  /** --start-at: wall-clock epoch ms at which the first stage starts. */
  startAtEpochMs?: number;
  /** --metrics-url (repeatable): the replicas' /metrics, scraped instead of the target's (per-pod series). */
  metricsUrls?: string[];
  /** Called once the local reports are written (also when a bucket failed): `run --log-reports` prints them. */
  afterLocalReports?: (dir: string) => Promise<void>;
}

export interface ScenarioRunResult {
  dir: string | null;
  stages: StageRun[];
  files: string[];
  partial: boolean;
  /** report.md, report.html and the PNGs when the charts were rendered. */
  charts: string[];
}

/** True when load.base_seed is written in the config file or given with --set (a shard then knows its seed). */
function stageLabel(index: number, plan: StagePlan): string {
  if (plan.kind === "session_replay") return `stage ${index} sessions (${plan.concurrentSessions || "all"} at once)`;
  return `stage ${index} ${plan.kind === "concurrent" ? `c=${plan.concurrency}` : `${plan.kind} ${plan.rate} req/s`}`;
}

/** Why the run's charts are not rendered, or null when they are. */
function chartsSkippedBecause(o: { storeFailed: boolean; allFailed: boolean; stopped: boolean; sent: number }): string | null {
  if (o.storeFailed) return "the reports could not all be stored";
  if (o.allFailed) return "every request failed";
  if (o.stopped) return "the run was stopped";
  if (o.sent === 0) return "nothing was sent";
  return null;
}

/** The token for a tokenizer download comes from the config's tokenizer.token, as inference-perf's does. */
function tokenizerEnv(cfg: ScenarioConfig, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return cfg.tokenizer?.token ? { ...env, HF_TOKEN: cfg.tokenizer.token } : env;
}

async function dryRun(cfg: ScenarioConfig, io: CliIo, shard?: ShardSpec): Promise<ScenarioRunResult> {
  const plan = buildScenarioPlan(cfg);
  if (shard) {
    refuseShardedSweep(plan.sweep !== undefined, shard);
    const parts = shardStages(plan.stages, plan.seed, shard);
    io.stdout.write(`shard ${shard.index}/${shard.count} of plan ${scenarioPlanId(cfg)} sends, per stage: ${parts.map((p, i) => `stage ${i}: ${p.requests.count} requests${p.plan.kind === "concurrent" ? ` at c=${p.plan.concurrency}` : ` at ${p.plan.rate.toFixed(2)} req/s`}`).join("; ")}\n`);
  }
  // Nothing is sent, not even to /tokenize: the configured tokenizer when it loads (offline too), else word estimates.
  const { port: tokenizer, approximateBecause } = await loadPreviewTokenizer(cfg.tokenizer?.pretrained_model_name_or_path, tokenizerEnv(cfg, io.env));
  const source = await createRequestSource(cfg, { tokenizer, seed: plan.seed, model: cfg.server.model_name ?? "(model)", env: io.env, progress: (line) => io.stderr.write(`${line}\n`), ...(plan.totalRequests !== null ? { requestCount: plan.totalRequests } : {}) });
  io.stdout.write(describeScenarioPlan(plan, source) + "\n");
  if (approximateBecause) io.stdout.write(`tokenizer: token counts in this preview are approximate (one word ≈ one token): ${approximateBecause}\n`);
  io.stdout.write("(dry run: nothing was sent)\n");
  return { dir: null, stages: [], files: [], partial: false, charts: [] };
}

export async function runScenarioCommand(opts: RunCommandOptions, io: CliIo): Promise<ScenarioRunResult> {
  /** Undone when the run ends, however it ends (the client certificate's fetch dispatcher). */
  const cleanups: Array<() => Promise<void>> = [];
  try {
    return await runScenario(opts, io, cleanups);
  } finally {
    for (const undo of cleanups) await undo();
  }
}

async function runScenario(opts: RunCommandOptions, io: CliIo, cleanups: Array<() => Promise<void>>): Promise<ScenarioRunResult> {
  // Shards share the clock of their start time: a default load.base_seed (inference-perf: the time of reading) is
  // then the same in every shard, so their arrivals and prompts belong to one plan.
  const clock = opts.shard && opts.startAtEpochMs !== undefined ? { now: new Date(opts.startAtEpochMs) } : {};
  const read = await readScenarioConfigWithWarnings(opts.config, opts.sets, clock);
  for (const w of read.warnings) io.stderr.write(`warning: ${w}\n`);
  const asGiven = withOutputDir(read.config, opts.output);
  // The key from OPENAI_API_KEY is used, but config.yaml stays the config as given (api_key null when it named none).
  const cfg = withApiKeyFromEnv(asGiven, io.env);
  const gates = opts.gates ?? [];
  checkScenarioGates(gates, cfg);
  if (opts.dryRun) return dryRun(cfg, io, opts.shard);

  // The values of credential-bearing headers (redact.ts's names: auth, key, token, secret, cookie, password) are
  // secrets, as config.yaml redacts them; other headers (a team name, the SLO thresholds such as "1000") are kept
  // intact: scrubbing them out of the written text would turn `X-Team: platform` into a YAML list and numbers into text.
  const redacted = redactHeaders(cfg.api.headers ?? {});
  const headerSecrets = Object.entries(cfg.api.headers ?? {}).flatMap(([k, v]) => (redacted[k] !== v ? [v] : []));
  const secrets = [cfg.server.api_key ?? undefined, cfg.tokenizer?.token ?? undefined, io.env.PROMETHEUS_TOKEN, ...headerSecrets];
  const scrub = (s: string) => scrubSecrets(s, secrets);
  const say = (s: string) => io.stderr.write(scrub(s) + "\n");
  const plan = buildScenarioPlan(cfg);
  // server.type mock (inference-perf's client-side mock): nothing is sent, to the target or anywhere else.
  const mock = cfg.server.type === "mock";
  // server.cert_path/key_path: read and checked before anything is sent; sent with every request to the target.
  const tls = mock ? { certificate: null, warning: null } : readClientCertificate(cfg.server);
  if (tls.warning) say(`warning: ${tls.warning}`);
  if (tls.certificate) cleanups.push(await useClientCertificateForFetch(tls.certificate));
  const client = { ...clientOptionsFor(cfg, plan), ...(tls.certificate ? { clientCertificate: tls.certificate } : {}), ...(mock ? { mock: true, streaming: false } : {}) };
  const authHeaders = buildRequestHeaders({ headers: client.headers, ...(client.apiKey ? { apiKey: client.apiKey } : {}) });
  const target = mock ? mockTargetInfo() : await readTargetInfo(plan.target.baseUrl, authHeaders, cfg.server.model_name ?? undefined, tls.certificate ?? undefined);
  plan.target.model = target.model;
  const tokenizer = mock
    ? await mockTokenizer(cfg.tokenizer?.pretrained_model_name_or_path ?? undefined, tokenizerEnv(cfg, io.env))
    : await resolveTokenizer({
        tokenizer: cfg.tokenizer?.pretrained_model_name_or_path ?? undefined,
        baseUrl: plan.target.baseUrl,
        model: target.model,
        headers: authHeaders,
        env: tokenizerEnv(cfg, io.env),
      });
  if (tokenizer.warning) say(`warning: ${tokenizer.warning}`);
  const fullSource = await createRequestSource(cfg, { tokenizer: tokenizer.port, seed: plan.seed, model: target.model, env: io.env, progress: say, ...(plan.totalRequests !== null ? { requestCount: plan.totalRequests } : {}) });
  for (const w of fullSource.warnings) say(`warning: ${w}`);
  // A shard sends its part of every stage: its own arrivals, its slice of the requests (src/shard/split-stages.ts).
  if (opts.shard) checkShardedScenario(opts, plan.sweep !== undefined, cfg.data, say);
  const sharded = opts.shard ? shardStages(plan.stages, plan.seed, opts.shard) : null;
  const source: typeof fullSource = sharded ? Object.assign(Object.create(fullSource) as typeof fullSource, shardRequestSource(fullSource, sharded)) : fullSource;
  const shardInfo = opts.shard ? { ...opts.shard, planId: scenarioPlanId(asGiven), startAtEpochMs: opts.startAtEpochMs ?? null } : null;
  if (shardInfo) say(`shard ${shardInfo.index}/${shardInfo.count} of plan ${shardInfo.planId}: this process sends its part of every stage; \`kneepoint merge\` joins the shards' report directories`);
  const promToken = io.env.PROMETHEUS_TOKEN?.trim() || undefined;
  const series = serverSeriesSourceFor(cfg, plan, { model: target.model, enabled: opts.serverMetrics && !mock, headers: authHeaders, ...(promToken ? { token: promToken } : {}) });
  withReplicaUrls(series, opts.metricsUrls ?? []);

  if (mock) say(`server.type mock: nothing is sent; each request is a success after ${MOCK_LATENCY_S} s with 0 tokens, as inference-perf's mock client records it`);
  else say(`kneepoint ${HARNESS_VERSION}: running ${opts.config} against ${plan.target.baseUrl} (model ${target.model}${target.serverVersion ? `, server ${target.serverVersion}` : ""}); tokenizer: ${tokenizer.port.source}`);
  say(describeScenarioPlan(plan, source));
  say(series.description);

  const progress = createProgress(io.stderr, io.isTty);
  const interrupt = installInterrupt({
    graceMs: 5000,
    onStop: () => progress.note("stopping: no new requests; waiting up to 5 s for in-flight ones (Ctrl-C again to cancel them)"),
    onAbort: () => progress.note("cancelling in-flight requests"),
  });
  const storage = storageTargetsFor(cfg);
  // Records are folded into each stage's mergeable state as they complete and the per-request files streamed
  // (record-sink.ts), so the run holds none. Only with per-request reports AND a bucket are records kept: the bucket
  // copy of a per-request file is built from them, as the streamed file is not uploaded.
  const keepRecords = cfg.report.request_lifecycle.per_request === true && (storage.s3 !== null || storage.gcs !== null);
  const epochOffsetMs = Date.now() - performance.now();
  // The states' clock: the process's monotonic ms (as inference-perf's report math, to the last bit) for one process;
  // for a shard, ms since the shared start (epoch − anchor), a clock every shard shares that keeps numbers small.
  const clockAnchorMs = opts.shard ? (opts.startAtEpochMs ?? 0) : null;
  const sink = await openRecordSink({
    report: mock ? mockReportOptions(reportOptionsFor(cfg, source), source) : reportOptionsFor(cfg, source),
    perRequestTarget: keepRecords ? null : { dir: storage.local.path, prefix: storage.local.reportFilePrefix, style: "indented" },
    epochOffsetMs: clockAnchorMs === null ? 0 : epochOffsetMs - clockAnchorMs,
    ...(tokenizer.exact ? { encode: (t: string) => tokenizer.port.encode(t) } : {}),
    retokenizeChunks: cfg.tokenizer != null,
  });
  /** Across the reported stages: requests sent, answered, and the first failure (for "every request failed"). */
  const totals = { sent: 0, ok: 0, firstError: null as RequestError | null };
  const recorder = series.source ? createServerSeriesRecorder(series.source) : null;
  // A key refused by the first requests is refused by all: stop sending then, as Ctrl-C does.
  const refusals = createRefusalWatch();
  /** Repeated under the table: the config's warnings, then the stages'. */
  const warnings: string[] = [...read.warnings];
  /** The sweep's estimate and its caveats, repeated under the table that shows the stages it chose. */
  const sweepNotes: string[] = [];
  let done = 0;
  let errors = 0;
  /** This process's CPU time per stage (user + system): a shard's load is visible in the merge. */
  const stageCpuMs = new Map<number, number>();
  let cpuAtStageStart = process.cpuUsage();
  let stages: StageRun[];
  /** inference-perf's run start (the summary Prometheus window) and the sweep probe's rungs (its stage −1). */
  const runStartEpochMs = Date.now();
  const probeRuns: StageRun[] = [];
  const sessionStages: SessionStageResult[] = [];
  recorder?.start();
  try {
    stages = await runStages({
      stages: sharded ? sharded.map((s) => s.plan) : plan.stages,
      ...(sharded ? { stageSeeds: sharded.map((s) => s.arrivalSeed) } : {}),
      ...(opts.startAtEpochMs !== undefined ? { beforeStages: () => waitForStart(opts.startAtEpochMs!, interrupt.stop, progress) } : {}),
      ...(plan.sweep ? { sweep: plan.sweep } : {}),
      intervalS: plan.intervalS,
      source,
      client,
      ...(plan.maxInFlight !== undefined ? { maxInFlight: plan.maxInFlight } : {}),
      workers: { count: cfg.load.num_workers, maxConcurrency: cfg.load.worker_max_concurrency },
      seed: plan.seed,
      keepRecords,
      epochOffsetMs,
      stop: AbortSignal.any([interrupt.stop, refusals.signal]),
      abort: interrupt.abort,
      onStageStart: (i, p) => {
        done = 0;
        errors = 0;
        cpuAtStageStart = process.cpuUsage();
        progress.stepStart(stageLabel(i, p), p.kind === "session_replay" ? null : plannedRequestCount(p));
      },
      onRecord: (rec) => {
        refusals.observe(rec);
        if (rec.stage < 0) return;
        sink.add(rec);
        done++;
        totals.sent++;
        if (rec.error) {
          errors++;
          totals.firstError ??= rec.error;
        } else totals.ok++;
        progress.update(done, errors);
      },
      onStageEnd: async (run) => {
        const cpu = process.cpuUsage(cpuAtStageStart);
        stageCpuMs.set(run.index, (cpu.user + cpu.system) / 1000);
        recorder?.stageEnded();
        await sink.settled();
        const load = loadFactsOfState(run.plan, sink.state(run.index).core);
        const achieved = load.achievedRateRps === null ? "" : `, achieved ${load.achievedRateRps.toFixed(2)} req/s`;
        progress.stepEnd(`${done - errors} ok, ${errors} failed${achieved}${run.status === "completed" ? "" : ` (${run.status})`}`);
        for (const w of stageWarnings(run, load, { sessions: fullSource.sessions !== undefined })) {
          warnings.push(w);
          progress.note(`warning: ${w}`);
        }
      },
      onSessionStage: (r) => sessionStages.push(r),
      onProbeRung: (run, m) => {
        probeRuns.push(run);
        const c = run.plan.kind === "concurrent" ? run.plan.concurrency : 0;
        progress.note(`sweep probe c=${c}: ${m ? `${m.throughputRps.toFixed(2)} req/s, mean latency ${(m.meanLatencyMs / 1000).toFixed(2)} s` : "no measurement"}`);
      },
      onSweep: (o) => {
        const rates = o.stages.map((s) => (s.kind === "concurrent" ? `c=${s.concurrency}` : s.rate)).join(", ");
        sweepNotes.push(`saturation ≈ ${o.estimate.rateRps.toFixed(2)} req/s (${o.estimate.saturated ? "knee found" : "lower bound"}; stopped by ${o.estimate.stoppedBy}); stages at ${rates} req/s`);
        sweepNotes.push(...o.estimate.notes);
        for (const n of sweepNotes) progress.note(`sweep: ${n}`);
      },
    });
  } catch (err) {
    await recorder?.cancel();
    await sink.abort();
    throw err;
  } finally {
    interrupt.dispose();
  }
  const folded = await sink.finish();
  /** The reported stages with their states, what every report and table is built from. */
  const stateStages: StateStageRun[] = stages.filter((r) => r.index >= 0).map(({ records: _records, ...run }) => ({ ...run, state: folded.states.get(run.index) ?? sink.state(run.index) }));

  const extraFiles: ReportFile[] = [];
  if (read.warnings.length > 0) extraFiles.push(configWarningsFile(read.warnings));
  extraFiles.push(...sessionLifecycleFiles(sessionStages, cfg));
  extraFiles.push(kneepointRunFile({ servedModel: target.model, baseUrl: plan.target.baseUrl, serverVersion: target.serverVersion, targetKind: targetKindOf(target), simulator: target.simulator, simulatorProfile: target.simulatorProfile, tokenizer: tokenizer.port.source, harnessVersion: HARNESS_VERSION, apiKeySource: asGiven.server.api_key !== null ? "server.api_key" : cfg.server.api_key !== null ? "OPENAI_API_KEY" : null }));
  let podMetricsText: string | null = null; // seed 004's per-pod summary, printed under the run's table
  if (recorder) {
    if (series.source?.kind === "prometheus") say(`waiting for Prometheus' last scrape of the run (${series.source.scrapeIntervalS + 2} s)`);
    const outcome = await recorder.finish(stages);
    for (const w of outcome.warnings) say(`warning: ${w}`);
    if (outcome.file) extraFiles.push({ name: TIMESERIES_FILE.replace(/\.json$/, ""), kind: "json", contents: outcome.file });
    podMetricsText = renderRunPodMetrics(outcome.file, { label: "this run", color: io.color });
  }

  // inference-perf's output counts and token times come from the answers' text, counted by the run's tokenizer: as
  // each record was folded, or, for a run that kept its records, over all of them now.
  const report = keepRecords
    ? { ...(mock ? mockReportOptions(reportOptionsFor(cfg, source), source) : reportOptionsFor(cfg, source)), ...(await responseTokenOptions(stages, { exact: tokenizer.exact, encode: (t) => tokenizer.port.encode(t) }, cfg.tokenizer != null)) }
    : sink.report;
  // A bucket or Prometheus that fails is an EnvironmentError raised after the local files were written: the
  // table is still printed (the run's numbers are not lost with the upload), and the error raised at the end.
  // A shard's manifest and stage states, for `kneepoint merge` (src/shard/scenario-shard-files.ts).
  if (shardInfo) extraFiles.push(...scenarioShardFiles({ shard: shardInfo, unshardedStages: plan.stages, runs: stages, report, states: folded.states, clientCpuMs: stageCpuMs, clockAnchorMs: clockAnchorMs ?? 0 }));
  const gateOutcomes = evaluateScenarioGatesFromStates(gates, stateStages, report);
  if (gates.length) extraFiles.push(scenarioGatesFile(gateOutcomes));
  let storeError: EnvironmentError | null = null;
  let files: string[] = [];
  try {
    const written = await writeScenarioReports({
      stages: keepRecords ? stages : stateStages,
      ...(folded.streamedPerRequest ? { streamedPerRequest: folded.streamedPerRequest } : {}),
      configYaml: effectiveConfigYaml(asGiven),
      report,
      prometheus: withRunWindows(prometheusOptionsFor(cfg, target.model, promToken), runStartEpochMs, probeRuns),
      extraFiles,
      storage,
      secrets,
      ...opts.writerDeps,
    });
    files = written.files;
    for (const w of written.warnings) say(`warning: ${w}`);
  } catch (err) {
    if (!(err instanceof EnvironmentError)) throw err;
    storeError = err;
  }
  await opts.afterLocalReports?.(storage.local.path);
  if (stateStages.length > 0) io.stdout.write(renderScenarioSummaryTableFromStates(stateStages, { streaming: report.streaming !== false, color: io.color }) + "\n");
  if (podMetricsText) io.stdout.write(podMetricsText + "\n");
  for (const n of sweepNotes) io.stdout.write(`sweep: ${n}\n`);
  for (const w of warnings) io.stdout.write(`warning: ${w}\n`);
  printGates(gateOutcomes, "run", (s) => io.stdout.write(s));
  const partial = interrupt.stop.aborted || stages.some((s) => s.status !== "completed");
  io.stdout.write(`reports: ${storage.local.path} (${storeError ? "not all stored" : `${files.length} files`}${partial ? ", partial" : ""})\n`);

  const allFailed = totals.sent > 0 && totals.ok === 0;
  const charts: string[] = [];
  const noCharts = chartsSkippedBecause({ storeFailed: storeError !== null, allFailed, stopped: interrupt.stop.aborted, sent: totals.sent });
  if (!opts.charts) {
    // --no-charts: nothing to say, the user asked.
  } else if (noCharts !== null) {
    io.stdout.write(`charts: not rendered (${noCharts}); \`kneepoint report ${storage.local.path}\` renders them from the reports\n`);
  } else {
    charts.push(...(await printRunCharts({ dir: storage.local.path, reportFilePrefix: storage.local.reportFilePrefix, color: io.color, write: (s) => io.stdout.write(s), say })));
  }

  if (storeError) throw storeError;
  if (interrupt.stop.aborted) {
    throw new InterruptedError(`run stopped by Ctrl-C after ${stages.length} stage(s)`, `partial reports are in ${storage.local.path}`);
  }
  if (allFailed) {
    throw everyRequestFailedError(totals.firstError!, {
      target: `${plan.target.baseUrl}${plan.target.endpoint}`,
      model: target.model,
      reportsDir: storage.local.path,
      keySent: sendsCredentials(authHeaders),
      scrub,
      stoppedEarly: refusals.stopped(),
    });
  }
  throwIfGatesFailed(gateOutcomes, `${storage.local.path}/${KNEEPOINT_GATES_FILE}`);
  return { dir: storage.local.path, stages, files, partial, charts };
}
