/**
 * `kneepoint capacity --in-cluster` (`make capacity-job`): the capacity search as the Job of benchmarks/job.yaml
 * with the native engine, the way `make bench` runs the sweep (run-cluster-bench.ts's runClusterJob: the bundle
 * shipped, a finished Job replaced, the log followed, Ctrl-C deletes the Job, cleanup). The Job logs each probe
 * and the document (capacity-log.ts); the runner prints one line per probe, then writes probe-<n>.json,
 * capacity.json, report.md, report.html and the chart here, with the server's state from Prometheus when one is
 * configured, and applies the --fail-on gates. Probes that came back are kept whatever ended the Job.
 */
import type { V1Job } from "@kubernetes/client-node";
import { EnvironmentError, InterruptedError } from "../errors.ts";
import type { Gate } from "../gates/gate.ts";
import type { BenchSettings } from "../k8s/bench-settings.ts";
import { capacityJobCommand } from "../k8s/capacity-job-script.ts";
import { connectKube, type Kube } from "../k8s/kube-client.ts";
import { assertValidManifest } from "../k8s/kube-schema.ts";
import { pickManifest, readManifests, type Manifest } from "../k8s/load-manifests.ts";
import { BENCH_TARGET_CONFIGMAP, objectMeta } from "../k8s/manifest-names.ts";
import { readClusterContext } from "../k8s/read-cluster-context.ts";
import { renderBenchJob } from "../k8s/render-bench-job.ts";
import type { JobOutcome } from "../k8s/run-bench-job.ts";
import { serviceOfUrl } from "../k8s/service-proxy.ts";
import { readCoLocation, loadPodsOf } from "../k8s/co-location.ts";
import { readVllmValues, vllmImage } from "../k8s/vllm-values.ts";
import { createResultsWriter, newRunId } from "../report/results-writer.ts";
import type { StepPeaks } from "../server-metrics/step-peaks.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { Axis } from "../capacity/capacity-plan.ts";
import type { Slo } from "../capacity/slo.ts";
import { probeFileName, type CapacityDocument } from "../capacity/capacity-document.ts";
import { readCapacityLog } from "../capacity/capacity-log.ts";
import { assembleJobDocument } from "../capacity/capacity-from-job.ts";
import { createCapacityLogProgress } from "./capacity-job-progress.ts";
import { writeCapacityReports } from "./capacity-report-files.ts";
import { throwIfGatesFailed } from "./fail-on.ts";
import { JOB_FILE, readPeaks, readTarget, runClusterJob, VALUES_FILE } from "./run-cluster-job.ts";
import type { CliIo } from "./run-sweep.ts";

export interface ClusterCapacityInput {
  slos: Slo[];
  gates: Gate[];
  /** The search's axes, in its order. */
  axes: Axis[];
  /** The flags the Job's `capacity` gets after the target and the request shape (capacityJobArgs and more). */
  jobArgs: string[];
}

export async function runClusterCapacity(settings: BenchSettings, input: ClusterCapacityInput, io: CliIo): Promise<{ dir: string; document: CapacityDocument }> {
  const say = (s: string) => io.stderr.write(s + "\n");
  const warnings: string[] = [];
  const warn = (w: string) => (warnings.push(w), say(`warning: ${w}`));
  const kube = connectKube({ namespace: settings.namespace });
  const source = pickManifest(await readManifests(JOB_FILE), "Job") as V1Job;
  const values = await readVllmValues(VALUES_FILE);
  const runId = newRunId(Date.now(), Math.random());
  say(`kneepoint ${HARNESS_VERSION}: capacity search as a Job (native engine, ${settings.nodeImage}), namespace ${kube.namespace} (context ${kube.context}, ${kube.server})`);
  const native = capacityJobCommand(input.jobArgs);
  const job = renderBenchJob(source, { settings, namespace: kube.namespace, runId, vllmImage: vllmImage(values), bundleConfigMap: objectMeta("engine-bundle").name, server: values, native });
  assertValidManifest(job as Manifest, JOB_FILE);
  const target = await readTarget(kube, job);
  say(`target: ${target.baseUrl}${target.endpoint}, model ${target.model} (from ${target.source})`);
  say(`SLOs: ${input.slos.map((s) => s.text).join("; ")}`);
  const writer = await createResultsWriter(settings.out, runId);
  await writer.writeJson("job.json", job);

  const onLogLine = createCapacityLogProgress(say);
  return runClusterJob({ kube, settings, job, runId, writer, say, warn, onLogLine }, async (outcome, logPath) => {
    const logged = readCapacityLog(outcome.log);
    for (const e of logged.errors) warn(e);
    for (const w of logged.warnings) warn(w);
    for (const p of logged.probes) await writer.writeJson(probeFileName(p.probe.index), p.summary);
    if (!logged.document) throw noResultError(outcome, logPath);

    const probes = logged.probes.map((p) => p.probe);
    const metrics = await readProbePeaks(kube, settings, target, probes.length ? probes : logged.document.probes, warn);
    const doc = assembleJobDocument({
      logged: logged.document,
      probes,
      axes: input.axes,
      runId,
      jobSucceeded: outcome.end === "succeeded",
      endedAt: new Date(outcome.endedAtMs).toISOString(),
      peaks: metrics.peaks,
      serverMetrics: metrics.description,
      warnings,
    });
    const docWarn = (w: string) => (doc.warnings.push(w), say(`warning: ${w}`));
    // Where the load pod ran relative to the target's pods: in the context (report.html, capacity.json) and the footer.
    const placement = await readCoLocation(kube, { loadPods: loadPodsOf(outcome), target: serviceOfUrl(target.baseUrl, kube.namespace) });
    for (const note of placement.notes) say(`note: ${note}`);
    doc.runContext.coLocation = placement.text;
    for (const w of placement.warnings) docWarn(w);
    const gates = await writeCapacityReports(doc, { writer, charts: settings.charts, gates: input.gates, secrets: [], io, warn: docWarn });
    io.stdout.write(`${placement.line}\n`);
    if (outcome.end === "interrupted") throw new InterruptedError(`the capacity Job was stopped by Ctrl-C after ${doc.probes.length} probes`, `the probes collected are in ${writer.dir}/capacity.json`);
    if (outcome.end !== "succeeded") throw new EnvironmentError(`${outcome.message}; ${doc.probes.length} probes came back`, `they are reported above and saved in ${writer.dir}; the Job's log is ${logPath}`);
    throwIfGatesFailed(gates, `${writer.dir}/gates.json`);
    return { dir: writer.dir, document: doc };
  });
}

/** The Job ended before the search began (nothing to report): why, and what to check. */
function noResultError(outcome: JobOutcome, logPath: string): Error {
  if (outcome.end === "interrupted") return new InterruptedError("the capacity Job was stopped before its first probe", "rerun when ready");
  const hint =
    outcome.hint ??
    (outcome.end === "start-timeout"
      ? "check the node pool and quotas (kubectl describe pod), or raise START_TIMEOUT"
      : `read ${logPath}; a wrong target shows as connection errors (check the ${BENCH_TARGET_CONFIGMAP} ConfigMap)`);
  return new EnvironmentError(`the capacity search produced no result: ${outcome.message}`, hint);
}

/** Server-metric peaks per probe from Prometheus (PROMETHEUS_URL or PROMETHEUS_SERVICE), as make bench reads them per step. */
async function readProbePeaks(
  kube: Kube,
  settings: BenchSettings,
  target: { baseUrl: string; model: string },
  probes: CapacityDocument["probes"],
  warn: (w: string) => void,
): Promise<{ peaks: Map<number, StepPeaks> | null; description: string }> {
  const via = settings.prometheusService ? `Prometheus Service ${settings.prometheusService} through the API server` : settings.prometheusUrl ? `Prometheus at ${settings.prometheusUrl}` : null;
  if (!via) return { peaks: null, description: "not read: set PROMETHEUS_URL or PROMETHEUS_SERVICE for the server's KV cache and queue at the answer" };
  const context = await readClusterContext(kube, { target: serviceOfUrl(target.baseUrl, kube.namespace), baseUrl: target.baseUrl });
  const windows = probes.map((p) => ({ key: p.index, label: `probe #${p.index}`, startMs: p.startedAtEpochMs, endMs: p.endedAtEpochMs }));
  const { peaks } = await readPeaks(kube, settings, windows, context, target.model, warn);
  return { peaks, description: `peaks from ${via} (scrape interval ${settings.scrapeIntervalS} s), read by the runner after the Job` };
}
