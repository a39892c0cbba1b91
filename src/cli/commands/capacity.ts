/** `kneepoint capacity`: flags → SLOs, the sweep-shaped target settings and the search options → runCapacityCommand. */
import { Command, Option } from "commander";
import { UsageError } from "../../errors.ts";
import { configFromEnv, resolveSweepConfig } from "../../config/read-sweep-config.ts";
import { usageErrorFromZod } from "../../config/config-errors.ts";
import { ARRIVALS, SEARCH_AXES, capacityOptionsSchema } from "../../capacity/capacity-options.ts";
import { parseSlo, type Slo } from "../../capacity/slo.ts";
import { PROFILE_NAMES } from "../../sim/profiles.ts";
import { collectFailOn, FAIL_ON_FLAG, parseFailOn } from "../fail-on.ts";
import { startSimProcess } from "../start-sim-process.ts";
import { runCapacityCommand } from "../capacity-run.ts";
import { readCapacityScenario, targetFromScenario } from "../capacity-request-source.ts";
import { collectHeader, flagsToConfig, io, parseIntFlag, parseNumberFlag } from "./sweep.ts";

export function parseSlos(exprs: readonly string[] | undefined): Slo[] {
  if (!exprs || exprs.length === 0) throw new UsageError("--slo: at least one SLO is required", "e.g. --slo 'p95(ttft)<=500ms' --slo 'p99(itl)<=50ms' --slo 'error_rate<=1%'");
  return exprs.map((expr, i) => {
    const r = parseSlo(expr);
    if (!r.ok) throw new UsageError(`--slo #${i + 1} '${expr}': ${r.message}`, r.fix);
    return r.slo;
  });
}

const OPTION_KEYS = ["search", "arrival", "startRate", "minRate", "maxRate", "startConcurrency", "maxConcurrency", "tolerance", "tailSamples", "minRequests", "minProbeS", "warmupFraction", "closeMargin", "repeats"] as const;

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
  "Ctrl-C ends the probe in progress, writes the probes done so far (capacity.json, report.md) and exits 130.\n\n" +
  "Examples:\n" +
  "  kneepoint capacity --slo 'p95(ttft)<=500ms' --slo 'p99(itl)<=50ms'                  # against the simulator\n" +
  "  kneepoint capacity --base-url http://127.0.0.1:8000 --slo 'p95(e2el)<=20s' --slo 'error_rate<=1%' --arrival constant\n" +
  "  kneepoint capacity -c benchmarks/scenarios/production.yaml --slo 'p90(ttft)<=1s' --search rate --start-rate 5\n" +
  "  kneepoint capacity --profile kv-starved --speedup 10 --slo 'p95(ttft)<=2s' --fail-on 'capacity_concurrency < 16'\n" +
  "  kneepoint capacity --slo 'p95(ttft)<=500ms' --dry-run\n";

export function registerCapacityCommand(program: Command): void {
  const cmd = new Command("capacity")
    .summary("find the highest rate and concurrency that meet latency/error SLOs (bracket, then bisect)")
    .description(
      "Capacity at SLO: finds (a) the highest open-loop request rate and (b) the highest closed-loop concurrency at which " +
        "every --slo holds, by bracketing then bisecting, each probe long enough for its percentile. Prints each probe, the " +
        "answer with its interval (last pass .. first fail), the binding SLO and the server's KV cache and queue at the answer; " +
        "writes results/<runId>/capacity.json, probe-<n>.json, report.md, report.html and the probes chart (SVG/PNG).",
    )
    .option("--slo <expr>", "an SLO every probe must meet, e.g. 'p95(ttft)<=500ms' (repeatable)", collectFailOn)
    .addOption(new Option("--search <axes>", "what to search (default both)").choices([...SEARCH_AXES]))
    .addOption(new Option("--arrival <kind>", "open-loop arrivals (default poisson)").choices([...ARRIVALS]))
    .option("--start-rate <rps>", "first open-loop rate (default: the closed loop's throughput at its answer, else 1)", parseNumberFlag)
    .option("--min-rate <rps>", "lowest rate tried (default 0.05)", parseNumberFlag)
    .option("--max-rate <rps>", "highest rate tried (default 100000)", parseNumberFlag)
    .option("--start-concurrency <n>", "first closed-loop concurrency (default 4)", parseIntFlag)
    .option("--max-concurrency <n>", "highest concurrency tried (default 1024)", parseIntFlag)
    .option("--tolerance <ratio>", "stop bisecting when (first fail − last pass) / last pass ≤ this (default 0.04)", parseNumberFlag)
    .option("--tail-samples <k>", "requests beyond the strictest SLO percentile per probe (default 5)", parseIntFlag)
    .option("--min-requests <n>", "measured requests per probe at least (default 50)", parseIntFlag)
    .option("--min-probe-s <s>", "a probe lasts at least this long (default 10)", parseNumberFlag)
    .option("--warmup-fraction <ratio>", "warm-up requests per probe, as a fraction of the measured ones (default 0.1)", parseNumberFlag)
    .option("--close-margin <ratio>", "a value within this fraction of its SLO is measured again (default 0.05)", parseNumberFlag)
    .option("--repeats <n>", "re-measurements of a close verdict (default 1)", parseIntFlag)
    .option("--base-url <url>", "server root, without /v1 (env BASE_URL); none: the built-in simulator")
    .option("--model <name>", "model name to send (env BENCH_MODEL; default: first of GET /v1/models)")
    .option("--endpoint <path>", "/v1/completions or /v1/chat/completions (default /v1/completions)")
    .option("--api-key <key>", "bearer token (env OPENAI_API_KEY); never written to results or logs")
    .option("--header <header>", "extra HTTP header 'Name: value', repeatable", collectHeader)
    .option("-c, --config <file>", "a scenario config (kneepoint run's YAML): its server and data blocks give the target and the requests")
    .option("--tokenizer <spec>", "tokenizer.json path or Hugging Face id (default: the server's /tokenize)")
    .option("--input-len <n>", "prompt tokens per request (default 256)", parseIntFlag)
    .option("--output-len <n>", "output tokens per request (default 128)", parseIntFlag)
    .option("--seed <n>", "seed of the prompts and arrivals (default 42)", parseIntFlag)
    .option("--timeout <seconds>", "per-request timeout (default 600)", parseNumberFlag)
    .option("--no-ignore-eos", "let the server stop early (default: exactly --output-len tokens)")
    .addOption(new Option("--profile <name>", "built-in simulator profile (default h100-8b)").choices([...PROFILE_NAMES]))
    .option("--speedup <x>", "run the built-in simulator x times faster than the modelled GPU (default 1)", parseNumberFlag)
    .option("--out <dir>", "results directory (default results/)")
    .option("--dry-run", "print the search plan and send nothing")
    .option("--prometheus-url <url>", "read server metrics from this Prometheus (env PROMETHEUS_URL)")
    .option("--scrape-interval <seconds>", "that Prometheus' scrape interval (default 15)", parseNumberFlag)
    .option("--pod <regex>", "with --prometheus-url: the target's pod(s)")
    .option("--gpu-host <regex>", "with --prometheus-url: the GPU node")
    .option("--dcgm-url <url>", "without Prometheus: a DCGM exporter's /metrics to scrape")
    .option("--no-server-metrics", "do not read server metrics (no KV/queue state at the answer)")
    .option("--no-charts", "do not render the probes chart")
    .option(FAIL_ON_FLAG, "exit 4 when EXPR is true: 'capacity_rps < 20', 'capacity_concurrency < 8' (repeatable)", collectFailOn)
    .addHelpText("after", HELP_AFTER);
  cmd.action(async (o: Record<string, unknown>) => {
    // Everything is validated before the simulator starts or a request is sent.
    const slos = parseSlos(o.slo as string[] | undefined);
    const gates = parseFailOn(o.failOn as string[] | undefined, { command: "capacity" });
    const optionInput: Record<string, unknown> = { slo: o.slo };
    for (const k of OPTION_KEYS) if (o[k] !== undefined) optionInput[k] = o[k];
    const parsed = capacityOptionsSchema.safeParse(optionInput);
    if (!parsed.success) throw usageErrorFromZod(parsed.error, "capacity options", "run `kneepoint capacity --help` for the accepted values");
    const scenario = typeof o.config === "string" ? await readCapacityScenario(o.config) : null;
    const wantsSim = o.profile !== undefined || o.speedup !== undefined;
    if (wantsSim && o.baseUrl !== undefined) throw new UsageError("--base-url and --profile/--speedup: choose a target or the built-in simulator", "drop --profile/--speedup to measure --base-url, or drop --base-url to measure the simulator");
    const useSim = wantsSim || (o.baseUrl === undefined && !process.env.BASE_URL && scenario === null);
    const flags = flagsToConfig({ ...o, config: undefined });
    const layers = [useSim ? {} : configFromEnv(process.env), scenario ? targetFromScenario(scenario) : {}, flags];
    if (o.dryRun) {
      const { config, warnings } = resolveSweepConfig(useSim ? [...layers, { baseUrl: "http://127.0.0.1:0" }] : layers, "capacity configuration");
      const targetLabel = useSim ? `(the built-in simulator, profile ${(o.profile as string | undefined) ?? "h100-8b"}, speedup ${(o.speedup as number | undefined) ?? 1})` : undefined;
      await runCapacityCommand({ config, warnings, options: parsed.data, slos, scenario, gates, charts: false, ...(targetLabel ? { targetLabel } : {}) }, io());
      return;
    }
    const profile = (o.profile as string | undefined) ?? "h100-8b";
    const speedup = (o.speedup as number | undefined) ?? 1;
    const sim = useSim ? await startSimProcess(["--profile", profile, "--speedup", String(speedup)]) : null;
    try {
      if (sim) io().stderr.write(`simulator: profile ${profile} at ${sim.url}${speedup !== 1 ? `, ${speedup}× faster than the modelled GPU (latencies ÷ ${speedup}, throughput × ${speedup})` : ""}\n`);
      const { config, warnings } = resolveSweepConfig(sim ? [...layers, { baseUrl: sim.url }] : layers, "capacity configuration");
      await runCapacityCommand({ config, warnings, options: parsed.data, slos, scenario, gates, charts: o.charts !== false }, io());
    } finally {
      await sim?.stop();
    }
  });
  program.addCommand(cmd);
}
