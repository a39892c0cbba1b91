/**
 * `kneepoint capacity`: flags → SLOs, the sweep-shaped target settings and the search options → runCapacityCommand;
 * with --in-cluster, the bench settings (flags, else make's environment) → runClusterCapacity.
 */
import { Command, Option } from "commander";
import { UsageError } from "../../errors.ts";
import { configFromEnv, resolveSweepConfig } from "../../config/read-sweep-config.ts";
import { PROFILE_NAMES } from "../../sim/profiles.ts";
import { benchSettingsFromEnv, resolveBenchSettings } from "../../k8s/bench-settings.ts";
import { collectFailOn, FAIL_ON_FLAG, parseFailOn } from "../fail-on.ts";
import { startSimProcess } from "../start-sim-process.ts";
import { runCapacityCommand } from "../capacity-run.ts";
import { addCapacitySearchFlags, addCapacityTargetFlags, axesOf, capacityJobArgs, parseCapacityFlags } from "../capacity-flags.ts";
import { readCapacityScenario, targetFromScenario } from "../capacity-request-source.ts";
import { collectHeader, flagsToConfig, io, parseNumberFlag } from "./sweep.ts";

/** Flags that name a target or a local source: with --in-cluster the target is the bench-target ConfigMap's. */
const LOCAL_ONLY = { baseUrl: "--base-url", model: "--model", endpoint: "--endpoint", apiKey: "--api-key", header: "--header", config: "-c", tokenizer: "--tokenizer", profile: "--profile", speedup: "--speedup", dryRun: "--dry-run", pod: "--pod", gpuHost: "--gpu-host", dcgmUrl: "--dcgm-url" } as const;

/** --in-cluster: the bench settings of make's environment, overridden by the flags; always the native engine. */
function clusterSettingsOf(o: Record<string, unknown>) {
  const given = Object.entries(LOCAL_ONLY).filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
  if (given.length) throw new UsageError(`--in-cluster: ${given.join(", ")} cannot be used: the Job measures the bench-target ConfigMap's target`, "set BASE_URL, BENCH_MODEL, TOKENIZER, ENDPOINT in the bench-target ConfigMap (benchmarks/bench-target.example.yaml), or drop --in-cluster");
  const flags: Record<string, unknown> = { engine: "native", record: null, charts: o.charts !== false };
  for (const k of ["namespace", "inputLen", "outputLen", "seed", "out", "prometheusUrl", "prometheusService"]) if (o[k] !== undefined) flags[k] = o[k];
  if (o.scrapeInterval !== undefined) flags.scrapeIntervalS = o.scrapeInterval;
  if (o.keepJob === true) flags.keepJob = true;
  return resolveBenchSettings(benchSettingsFromEnv(process.env), flags);
}

const HELP_AFTER =
  "\nSLOs (--slo, repeatable; every one must hold): p<N>|mean|median(ttft|itl|tpot|e2el) <=|< NUMBER ms|s, or error_rate <= N%.\n" +
  "Search: the closed loop first (concurrency 4, 8, … until a probe fails, halving while the start fails; then bisection to\n" +
  "adjacent levels), then the open loop from the throughput the closed loop achieved at its answer (doubling/halving, then\n" +
  "bisection until last pass and first fail are within --tolerance). A probe whose value is within --close-margin of an SLO\n" +
  "is measured --repeats more time(s), pooling its requests. Probe length: enough requests that the strictest SLO percentile\n" +
  "p has --tail-samples beyond it (⌈k / (1 − p/100)⌉), at least --min-requests and --min-probe-s; a --warmup-fraction warm-up\n" +
  "(closed loop: at least one per worker) is sent first and excluded.\n" +
  "Arrivals: poisson and constant are inference-perf's timers (constant: exponential gaps rescaled to the stage, so still\n" +
  "bursty); periodic is evenly spaced, 1/rate apart.\n" +
  "Target: --base-url (or BASE_URL, or -c's server.base_url); without one, the built-in simulator (--profile, --speedup).\n" +
  "Gates: --fail-on 'capacity_rps < 20', --fail-on 'capacity_concurrency < 8' exit 4 (gates.json).\n" +
  "Ctrl-C ends the probe in progress, writes the probes done so far (capacity.json, report.md) and exits 130.\n" +
  "--in-cluster (make capacity-job): the search runs as the Job of benchmarks/job.yaml with the native engine, against the\n" +
  "bench-target ConfigMap's target (as make bench); each probe comes back through its log, the reports are made here.\n" +
  "Ctrl-C deletes the Job and keeps the probes collected. Environment as make bench: NAMESPACE, INPUT_LEN, OUTPUT_LEN, SEED,\n" +
  "PROMETHEUS_URL / PROMETHEUS_SERVICE, NODE_IMAGE, CACHE_PVC, START_TIMEOUT, RUN_TIMEOUT, KEEP_JOB.\n\n" +
  "Examples:\n" +
  "  kneepoint capacity --slo 'p95(ttft)<=500ms' --slo 'p99(itl)<=50ms'                  # against the simulator\n" +
  "  kneepoint capacity --base-url http://127.0.0.1:8000 --slo 'p95(e2el)<=20s' --slo 'error_rate<=1%' --arrival constant\n" +
  "  kneepoint capacity -c benchmarks/scenarios/production.yaml --slo 'p90(ttft)<=1s' --search rate --start-rate 5\n" +
  "  kneepoint capacity --profile kv-starved --speedup 10 --slo 'p95(ttft)<=2s' --fail-on 'capacity_concurrency < 16'\n" +
  "  kneepoint capacity --slo 'p95(ttft)<=500ms' --dry-run\n" +
  "  kneepoint capacity --in-cluster --slo 'p95(ttft)<=500ms' --fail-on 'capacity_rps < 20'   # a Job in the cluster\n";

export function registerCapacityCommand(program: Command): void {
  const cmd: Command = new Command("capacity")
    .summary("find the highest rate and concurrency that meet latency/error SLOs (bracket, then bisect)")
    .description(
      "Capacity at SLO: finds (a) the highest open-loop request rate and (b) the highest closed-loop concurrency at which " +
        "every --slo holds, by bracketing then bisecting, each probe long enough for its percentile. Prints each probe, the " +
        "answer with its interval (last pass .. first fail), the binding SLO and the server's KV cache and queue at the answer; " +
        "writes results/<runId>/capacity.json, probe-<n>.json, report.md, report.html and the probes chart (SVG/PNG).",
    );
  addCapacityTargetFlags(addCapacitySearchFlags(cmd))
    .option("--api-key <key>", "bearer token (env OPENAI_API_KEY); never written to results or logs")
    .option("--header <header>", "extra HTTP header 'Name: value', repeatable", collectHeader)
    .option("-c, --config <file>", "a scenario config (kneepoint run's YAML): its server and data blocks give the target and the requests")
    .addOption(new Option("--profile <name>", "built-in simulator profile (default h100-8b)").choices([...PROFILE_NAMES]))
    .option("--speedup <x>", "run the built-in simulator x times faster than the modelled GPU (default 1)", parseNumberFlag)
    .option("--dry-run", "print the search plan and send nothing")
    .option("--prometheus-url <url>", "read server metrics from this Prometheus (env PROMETHEUS_URL)")
    .option("--scrape-interval <seconds>", "that Prometheus' scrape interval (default 15)", parseNumberFlag)
    .option("--pod <regex>", "with --prometheus-url: the target's pod(s)")
    .option("--gpu-host <regex>", "with --prometheus-url: the GPU node")
    .option("--dcgm-url <url>", "without Prometheus: a DCGM exporter's /metrics to scrape")
    .option("--no-server-metrics", "do not read server metrics (no KV/queue state at the answer)")
    .option("--no-charts", "do not render the probes chart")
    .option("--in-cluster", "run the search as a Job in the cluster (as `make bench` runs the sweep), the reports made here")
    .option("--namespace <ns>", "with --in-cluster: namespace of the Job (env NAMESPACE; default serving)")
    .option("--prometheus-service <ns/name:port>", "with --in-cluster: an in-cluster Prometheus Service, reached through the API server (env PROMETHEUS_SERVICE)")
    .option("--keep-job", "with --in-cluster: keep the Job after collecting its log (env KEEP_JOB=1)")
    .option(FAIL_ON_FLAG, "exit 4 when EXPR is true: 'capacity_rps < 20', 'capacity_concurrency < 8' (repeatable)", collectFailOn)
    .addHelpText("after", HELP_AFTER);
  cmd.action(async (o: Record<string, unknown>) => {
    // Everything is validated before the simulator starts or a request is sent.
    const { slos, options } = parseCapacityFlags(o);
    const gates = parseFailOn(o.failOn as string[] | undefined, { command: "capacity" });
    if (o.inCluster) {
      // The request flags the Job's script does not set from the environment travel with the search's.
      const request = [...(o.timeout !== undefined ? ["--timeout", String(o.timeout)] : []), ...(o.ignoreEos === false ? ["--no-ignore-eos"] : [])];
      const { runClusterCapacity } = await import("../capacity-cluster-run.ts"); // the Kubernetes client loads only here
      await runClusterCapacity(clusterSettingsOf(o), { slos, gates, axes: axesOf(options), jobArgs: [...capacityJobArgs(options), ...request] }, io());
      return;
    }
    for (const k of ["namespace", "prometheusService", "keepJob"]) {
      if (o[k] !== undefined) throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for the in-cluster Job`, "add --in-cluster, or drop the flag");
    }
    const scenario = typeof o.config === "string" ? await readCapacityScenario(o.config) : null;
    const wantsSim = o.profile !== undefined || o.speedup !== undefined;
    if (wantsSim && o.baseUrl !== undefined) throw new UsageError("--base-url and --profile/--speedup: choose a target or the built-in simulator", "drop --profile/--speedup to measure --base-url, or drop --base-url to measure the simulator");
    const useSim = wantsSim || (o.baseUrl === undefined && !process.env.BASE_URL && scenario === null);
    const flags = flagsToConfig({ ...o, config: undefined });
    const layers = [useSim ? {} : configFromEnv(process.env), scenario ? targetFromScenario(scenario) : {}, flags];
    if (o.dryRun) {
      const { config, warnings } = resolveSweepConfig(useSim ? [...layers, { baseUrl: "http://127.0.0.1:0" }] : layers, "capacity configuration");
      const targetLabel = useSim ? `(the built-in simulator, profile ${(o.profile as string | undefined) ?? "h100-8b"}, speedup ${(o.speedup as number | undefined) ?? 1})` : undefined;
      await runCapacityCommand({ config, warnings, options, slos, scenario, gates, charts: false, ...(targetLabel ? { targetLabel } : {}) }, io());
      return;
    }
    const profile = (o.profile as string | undefined) ?? "h100-8b";
    const speedup = (o.speedup as number | undefined) ?? 1;
    const sim = useSim ? await startSimProcess(["--profile", profile, "--speedup", String(speedup)]) : null;
    try {
      if (sim) io().stderr.write(`simulator: profile ${profile} at ${sim.url}${speedup !== 1 ? `, ${speedup}× faster than the modelled GPU (latencies ÷ ${speedup}, throughput × ${speedup})` : ""}\n`);
      const { config, warnings } = resolveSweepConfig(sim ? [...layers, { baseUrl: sim.url }] : layers, "capacity configuration");
      await runCapacityCommand({ config, warnings, options, slos, scenario, gates, charts: o.charts !== false }, io());
    } finally {
      await sim?.stop();
    }
  });
  program.addCommand(cmd);
}
