/**
 * `kneepoint bench` (what `make bench` runs): the concurrency sweep as a Kubernetes Job, analysed here.
 * Settings come from flags, else the environment (make's variables), else the defaults in bench-settings.ts.
 */
import { Command } from "commander";
import { benchSettingsFromEnv, resolveBenchSettings, type BenchSettingsInput } from "../../k8s/bench-settings.ts";
import { io } from "./sweep.ts";
import { collectFailOn, FAIL_ON_DESCRIPTION, FAIL_ON_FLAG, failOnHelp, parseFailOn } from "../fail-on.ts";

/** The Job's engines report these percentiles (vllm bench serve's --metric-percentiles, the native sweep's default). */
export const BENCH_PERCENTILES = [50, 90, 95, 99];

function flagsToSettings(o: Record<string, unknown>): Partial<BenchSettingsInput> {
  const out: Record<string, unknown> = {};
  for (const k of ["engine", "namespace", "concurrency", "inputLen", "outputLen", "numPrompts", "seed", "prometheusUrl", "prometheusService", "out", "pods"]) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  if (o.record === false) out.record = null;
  else if (typeof o.record === "string") out.record = o.record;
  if (o.keepJob === true) out.keepJob = true;
  if (o.charts === false) out.charts = false;
  return out as Partial<BenchSettingsInput>;
}

export function registerBenchCommand(program: Command): void {
  const cmd = new Command("bench")
    .summary("run the sweep as a Job in your cluster (make bench); print and record the table, knee and verdict")
    .description(
      "Runs the concurrency sweep as the Kubernetes Job of benchmarks/job.yaml against the bench-target ConfigMap's\n" +
        "target (default: the vllm Service of `make vllm-up`), streams its log, then prints the table, the knee and the\n" +
        "verdict and appends the run to benchmarks.md. Uses your kubeconfig (KUBECONFIG or ~/.kube/config).",
    )
    .option("--engine <engine>", "vllm: `vllm bench serve` in the vLLM image (default); native: kneepoint's engine in a node image (env ENGINE)")
    .option("--namespace <ns>", "namespace of the Job (env NAMESPACE; default serving)")
    .option("--concurrency <list>", "concurrency levels, e.g. 1,2,4 (env CONCURRENCY; default the Job's 1 2 4 8 16 32)")
    .option("--input-len <n>", "prompt tokens (env INPUT_LEN; default 256)")
    .option("--output-len <n>", "output tokens (env OUTPUT_LEN; default 128)")
    .option("--num-prompts <n>", "requests per step (env NUM_PROMPTS; default max(32, 8 × concurrency))")
    .option("--seed <n>", "prompt seed (env SEED; default 42)")
    .option("--pods <n>", "load pods (env PODS; default 1): N ≥ 2 runs the sweep as an Indexed Job of N pods, each sending its shard, merged here (ENGINE=native only)")
    .option("--prometheus-url <url>", "a Prometheus this machine reaches (env PROMETHEUS_URL)")
    .option("--prometheus-service <ns/name:port>", "an in-cluster Prometheus Service, reached through the API server (env PROMETHEUS_SERVICE)")
    .option("--out <dir>", "results directory (default results/)")
    .option("--record <file>", "benchmarks file to append to (default benchmarks.md)")
    .option("--no-record", "do not append to benchmarks.md")
    .option("--keep-job", "keep the Job after collecting its log (env KEEP_JOB=1); its TTL removes it after an hour")
    .option("--collect", "run nothing: collect the results of the Job that already ran (or still runs) in the namespace, e.g. after the runner lost the API (make bench COLLECT=1)")
    .option("--no-charts", "do not render the charts")
    .option(FAIL_ON_FLAG, FAIL_ON_DESCRIPTION, collectFailOn)
    .addHelpText(
      "after",
      "\nMore environment: EXTRA_ARGS (more engine flags), SCRAPE_INTERVAL (s, default 15), NODE_IMAGE (native engine),\n" +
        "START_TIMEOUT (min for the pod to start, default 20), RUN_TIMEOUT (min for the sweep, default 120), PROMETHEUS_TOKEN,\n" +
        "SHARD_START_DELAY (s from now until PODS=N's pods start together, default 30),\n" +
        "CACHE_PVC (a PersistentVolumeClaim for the Job's HOME: the tokenizer is kept between runs).\n" +
        "The target (BASE_URL, BENCH_MODEL, TOKENIZER, ENDPOINT) comes from the bench-target ConfigMap, the API key from the\n" +
        "bench-target-auth Secret: see benchmarks/bench-target.example.yaml. Ctrl-C deletes the Job and keeps finished steps.\n\n" +
        "Examples:\n" +
        "  make bench\n" +
        "  make bench ENGINE=native CONCURRENCY=1,4,16 NAMESPACE=llm\n" +
        "  make bench ENGINE=native PODS=4 CONCURRENCY=64,128,256                 # 4 load pods, one merged run\n" +
        "  make bench PROMETHEUS_SERVICE=monitoring/prometheus-k8s:9090          # kube-prometheus\n" +
        "  make bench PROMETHEUS_SERVICE=monitoring/<release>-kube-prometheus-prometheus:9090   # kube-prometheus-stack\n" +
        "  make bench COLLECT=1    # the results of a Job that ran without its runner (KEEP_JOB=1 keeps it; else its TTL is 1 h)\n" +
        "  kneepoint bench --fail-on 'p95(ttft) > 500ms' --fail-on 'regression(output_throughput) > 10%'\n" +
        failOnHelp("bench"),
    );
  cmd.action(async (o: Record<string, unknown>) => {
    // Gates are checked before the Job exists: a bad expression must not cost a run.
    const gates = parseFailOn(o.failOn as string[] | undefined, { command: "bench", percentiles: BENCH_PERCENTILES });
    const settings = resolveBenchSettings(benchSettingsFromEnv(process.env), flagsToSettings(o));
    // The cluster code (the Kubernetes client) loads only for the commands that use it: it is most of the CLI's start-up.
    const { runClusterBench } = await import("../run-cluster-bench.ts");
    await runClusterBench(settings, io(), { gates, collect: o.collect === true });
  });
  program.addCommand(cmd);
}
