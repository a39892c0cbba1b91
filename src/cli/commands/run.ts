/**
 * `kneepoint run -c config.yml`: an inference-perf config run with the native engine, its reports and charts
 * (src/cli/run-scenario.ts). `--in-cluster` runs it as a Job instead and `--collect JOB` brings a Job's reports home
 * (src/cli/run-cluster-scenario.ts, imported only then: the in-cluster engine bundle carries no Kubernetes client);
 * `--log-reports` is the Job's side. This file is the command line: flags, help, and the call.
 */
import { Command } from "commander";
import type { CliIo } from "../run-sweep.ts";
import { addShardFlags, io as processIo, shardFlagsHelp } from "./sweep.ts";
import type { ShardSpec } from "../../shard/shard-spec.ts";
import { collectFailOn, FAIL_ON_DESCRIPTION, FAIL_ON_FLAG, failOnHelp, parseFailOn } from "../fail-on.ts";
import { UsageError } from "../../errors.ts";
import { parseShardFlag, parseStartAt } from "../../shard/shard-spec.ts";
import { logReportFiles } from "../run-cluster-scenario-log-reports.ts";

interface RunFlags {
  config?: string;
  set?: string[];
  dryRun?: boolean;
  output?: string;
  charts: boolean;
  serverMetrics: boolean;
  failOn?: string[];
  shard?: ShardSpec;
  startAt?: number;
  metricsUrl?: string[];
  logReports?: boolean;
  inCluster?: boolean;
  collect?: string;
  namespace?: string;
  keepJob?: boolean;
  pods?: string;
  shardFromJob?: boolean;
}

/**
 * --shard-from-job (the scenario Job's pods when --pods N): the shard from the Indexed Job's JOB_COMPLETION_INDEX, and
 * SHARD_COUNT and SHARD_START_AT from the runner (src/k8s/scenario-job-render.ts).
 */
function shardFromJob(env: NodeJS.ProcessEnv): { shard: ShardSpec; startAtEpochMs: number } {
  const [index, count, startAt] = [env.JOB_COMPLETION_INDEX, env.SHARD_COUNT, env.SHARD_START_AT].map((v) => v?.trim() ?? "");
  if (!index || !count || !startAt) {
    throw new UsageError("--shard-from-job needs JOB_COMPLETION_INDEX, SHARD_COUNT and SHARD_START_AT in the environment", "it is for the pods of an Indexed Job made by `kneepoint run --in-cluster --pods N`; elsewhere use --shard i/N --start-at T");
  }
  return { shard: parseShardFlag(`${index}/${count}`), startAtEpochMs: parseStartAt(startAt, Date.now()) };
}

/** The flags that only make sense with --in-cluster or --collect, and the ones that do not go with them. */
function checkClusterFlags(o: RunFlags): void {
  const cluster = o.inCluster === true || o.collect !== undefined;
  if (o.inCluster && o.collect !== undefined) throw new UsageError("--in-cluster and --collect are two ways to run: pick one", "--in-cluster runs the config as a new Job; --collect JOB brings home the reports of a Job that exists");
  if (!cluster) {
    for (const [flag, set] of [["--namespace", o.namespace], ["--keep-job", o.keepJob], ["--pods", o.pods]] as const) {
      if (set !== undefined) throw new UsageError(`${flag} goes with --in-cluster or --collect`, `add --in-cluster to run the config as a Job in the cluster`);
    }
    if (o.config === undefined) throw new UsageError("kneepoint run needs a config: -c FILE", "e.g. kneepoint run -c benchmarks/scenarios/baseline.yaml");
    return;
  }
  if (o.logReports || o.shardFromJob) {
    const flag = o.logReports ? "--log-reports" : "--shard-from-job";
    throw new UsageError(`${flag} is the Job's own flag (its pod passes it); it does not go with --in-cluster or --collect`, `drop ${flag}`);
  }
  if (o.collect !== undefined && (o.config !== undefined || (o.set ?? []).length > 0 || o.shard || o.startAt !== undefined)) {
    throw new UsageError("--collect reads the config the Job ran with; -c, --set, --shard and --start-at do not go with it", `kneepoint run --collect ${o.collect} [--output DIR] [--namespace NS]`);
  }
  if (o.inCluster && o.config === undefined) throw new UsageError("kneepoint run --in-cluster needs a config: -c FILE", "e.g. kneepoint run -c benchmarks/scenarios/baseline.yaml --in-cluster");
  if (o.inCluster && (o.shard || o.startAt !== undefined)) throw new UsageError("--shard and --start-at are set by the Job itself in the cluster", "use --pods N (make scenario-job PODS=N) for N load pods");
}

/** `deps.io` lets tests capture the output of a program built around this command. */
export function registerRunCommand(program: Command, deps: { io?: () => CliIo } = {}): void {
  const cmd = new Command("run")
    .summary("run an inference-perf config (stages, sweeps, distributions) and write inference-perf's reports")
    .description(
      "Runs an inference-perf config file (the AI on EKS chart's v0.2.0 configs and current main's) with kneepoint's " +
        "native engine: constant, poisson or concurrent stages, or a sweep; the config's data (synthetic, random, " +
        "shared_prefix, shareGPT from a local file, mock). Writes summary_lifecycle_metrics.json, " +
        "stage_N_lifecycle_metrics.json, … and the effective config.yaml where the config's storage says, the " +
        "server's waiting queue and KV cache over time (server_metrics_timeseries.json), report.md and charts " +
        "(latency, throughput and TTFT p90 vs QPS; queue and KV cache vs time). Shipped scenarios: benchmarks/scenarios/.",
    )
    .option("-c, --config <file>", "the inference-perf config (YAML)")
    .option("--set <key=value>", "override a config key before validation, e.g. load.stages[0].duration=30 (value parsed as YAML; repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--dry-run", "validate the config, print the plan and send nothing")
    .option("--output <dir>", "write the local reports here (replaces storage.local_storage.path)")
    .option("--no-charts", "do not render report.md and the charts into the report directory")
    .option("--metrics-url <url>", "a replica's /metrics to scrape instead of the target's, for per-pod queue and KV-cache series (repeatable; a `kneepoint sim --replicas N` router is found without it)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--no-server-metrics", "do not read the server's queue and KV cache over time (no /metrics scrape, no Prometheus range queries)")
    .option(FAIL_ON_FLAG, FAIL_ON_DESCRIPTION, collectFailOn)
    .option("--in-cluster", "run the config as a Job in the cluster (native engine; NAMESPACE, NODE_IMAGE, START_TIMEOUT, RUN_TIMEOUT, KEEP_JOB) and bring its reports here")
    .option("--collect <job>", "bring home the reports of the scenario Job JOB that already ran or still runs (e.g. one applied with kubectl or installed with helm)")
    .option("--namespace <ns>", "the Job's namespace (--in-cluster, --collect; default NAMESPACE, else the kubeconfig's)")
    .option("--keep-job", "--in-cluster: keep the Job and its config ConfigMap after collecting (KEEP_JOB=1)")
    .option("--pods <n>", "--in-cluster: load pods (PODS): N ≥ 2 runs an Indexed Job of N shards from a shared start (SHARD_START_DELAY), merged here")
    .option("--shard-from-job", "take --shard and --start-at from JOB_COMPLETION_INDEX, SHARD_COUNT and SHARD_START_AT (the pods of --in-cluster --pods N)")
    .option("--log-reports", "after the run, print every report file to stdout between `=== kneepoint-report <path> begin/end ===` lines (the scenario Job's side of --in-cluster)")
    .addHelpText(
      "after",
      "\nThe target's API key is the config's server.api_key, or OPENAI_API_KEY when the config has none (the\n" +
        "bench-target-auth Secret in the cluster); it is never written to the reports. A key the target refuses\n" +
        "(401, 403, LiteLLM's no_db_connection) stops the run after the first requests.\n" +
        "\nExit codes: 0 ok, 2 invalid config or --fail-on, 3 target or storage unreachable or the key refused,\n4 a --fail-on gate failed, 130 interrupted (partial reports saved). --in-cluster and --collect exit as the\nJob's own run did (3 also: the cluster, or a Job that ended without its reports).\n" +
        "\nIn the cluster (--in-cluster): the config, with --set applied, goes in the ConfigMap kneepoint-scenario-config;\n" +
        "the Job kneepoint-scenario (benchmarks/job.yaml's native Job) runs `kneepoint run --log-reports` on it and prints\n" +
        "the report files to its log, from where they are written here, with report.md and the charts. The key comes\n" +
        "from the bench-target-auth Secret (a config with server.api_key is refused). Ctrl-C deletes the Job and keeps\n" +
        "the partial reports its pod logs. Manifests for kubectl: benchmarks/scenarios/k8s/ (then --collect).\n" +
        failOnHelp("run") +
        shardFlagsHelp("run") +
        "  (a config with load.sweep cannot be sharded: its stages come from one process's saturation probe)\n" +
        "\n" +
        "Examples:\n" +
        "  kneepoint run -c benchmarks/scenarios/baseline.yaml --dry-run\n" +
        "  kneepoint run -c benchmarks/scenarios/saturation.yaml \\\n" +
        "      --set load.stages[0].duration=30 --output reports/sat\n" +
        "  kneepoint run -c benchmarks/scenarios/production.yaml --fail-on 'p95(ttft) > 500ms' --fail-on 'error_rate > 1%'\n" +
        "  kneepoint run -c benchmarks/scenarios/production.yaml --shard 1/4 --start-at 2026-12-03T22:00:00Z --output reports/shard-1\n" +
        "  kneepoint run -c benchmarks/scenarios/baseline.yaml --in-cluster --set server.base_url=http://vllm:8000 --namespace bench\n" +
        "  kneepoint run --collect inference-perf-baseline --namespace benchmarking   # after kubectl apply -f benchmarks/scenarios/k8s/01-scenario-baseline.yaml\n" +
        "  kneepoint report --compare reports/a reports/b --label a --label b",
    );
  addShardFlags(cmd, "run");
  cmd.action(async (o: RunFlags) => {
    checkClusterFlags(o);
    const gates = parseFailOn(o.failOn, { command: "run" });
    if ((o.inCluster && !o.dryRun) || o.collect !== undefined) {
      const { runClusterScenario } = await import("../run-cluster-scenario.ts");
      await runClusterScenario(
        {
          config: o.config ?? null,
          sets: o.set ?? [],
          output: o.output ?? null,
          charts: o.charts,
          serverMetrics: o.serverMetrics,
          failOn: o.failOn ?? [],
          metricsUrls: o.metricsUrl ?? [],
          gates,
          collect: o.collect ?? null,
          ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
          ...(o.keepJob ? { keepJob: true } : {}),
          ...(o.pods !== undefined ? { pods: o.pods } : {}),
        },
        (deps.io ?? processIo)(),
      );
      return;
    }
    const cli = (deps.io ?? processIo)();
    if (o.shardFromJob && (o.shard || o.startAt !== undefined)) throw new UsageError("--shard-from-job takes the shard from the Job: it does not go with --shard or --start-at", "drop one of them");
    const sharding = o.shardFromJob ? shardFromJob(cli.env) : { ...(o.shard ? { shard: o.shard } : {}), ...(o.startAt !== undefined ? { startAtEpochMs: o.startAt } : {}) };
    const logReports = o.logReports ? { afterLocalReports: async (dir: string) => void (await logReportFiles(dir, (line) => cli.stdout.write(line))) } : {};
    // The scenario pipeline loads when a run starts, not with every other command (kneepoint sim among them).
    const { runScenarioCommand } = await import("../run-scenario.ts");
    await runScenarioCommand(
      { config: o.config!, sets: o.set ?? [], dryRun: o.dryRun === true, output: o.output ?? null, charts: o.charts, serverMetrics: o.serverMetrics, gates, ...sharding, ...(o.metricsUrl?.length ? { metricsUrls: o.metricsUrl } : {}), ...logReports },
      cli,
    );
  });
  program.addCommand(cmd);
}
