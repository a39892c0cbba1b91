/** `kneepoint sweep`: flags → config layers → runSweepCommand. */
import { Command, InvalidArgumentError } from "commander";
import { UsageError } from "../../errors.ts";
import type { SweepConfigInput } from "../../config/sweep-config.ts";
import { configFromEnv, readConfigFile, resolveSweepConfig } from "../../config/read-sweep-config.ts";
import type { CliIo } from "../run-sweep.ts";
import { collectFailOn, FAIL_ON_DESCRIPTION, FAIL_ON_FLAG, failOnHelp, parseFailOn } from "../fail-on.ts";
import { parseShardFlag, parseStartAt } from "../../shard/shard-spec.ts";

export function parseIntFlag(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("must be a whole number");
  return Number(value);
}

export function parseNumberFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("must be a number");
  return n;
}

export function parseIntList(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError("must be a comma-separated list of whole numbers, e.g. 1,2,4,8");
  return parts.map(Number);
}

export function parseNumberList(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim()).filter(Boolean);
  const nums = parts.map(Number);
  if (parts.length === 0 || nums.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError("must be a comma-separated list of numbers, e.g. 50,90,99");
  return nums;
}

/** `--header 'X-Team: a'` or `--header X-Team=a`, repeatable. Collected raw, parsed by parseHeaders. */
export function collectHeader(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Header values are often credentials: a malformed one is reported by position, never echoed. */
export function parseHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  raw.forEach((value, i) => {
    const m = /^([^:=\s]+)\s*[:=]\s*(.*)$/.exec(value);
    if (!m) throw new UsageError(`--header #${i + 1} must look like 'Name: value' or Name=value`, "e.g. --header 'X-Team: infra'");
    out[m[1]!] = m[2]!;
  });
  return out;
}

export function io(): CliIo {
  const isTty = Boolean(process.stderr.isTTY);
  return { stdout: process.stdout, stderr: process.stderr, isTty, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, env: process.env };
}

/** Adds the sweep's flags (shared by `sweep` and `demo`). */
export function addSweepFlags(cmd: Command, opts: { withTarget: boolean }): Command {
  if (opts.withTarget) {
    cmd
      .option("--base-url <url>", "server root, without /v1 (env BASE_URL; default http://127.0.0.1:8000)")
      .option("--model <name>", "model name to send (env BENCH_MODEL; default: first of GET /v1/models)")
      .option("--endpoint <path>", "/v1/completions or /v1/chat/completions (env ENDPOINT; default /v1/completions)")
      .option("--api-key <key>", "bearer token (env OPENAI_API_KEY); never written to results or logs")
      .option("--header <header>", "extra HTTP header 'Name: value', repeatable", collectHeader);
  }
  return cmd
    .option("-c, --config <file>", "YAML file whose keys are these flag names (e.g. `concurrency: [1, 2, 4]`)")
    .option("--tokenizer <spec>", "tokenizer.json path or Hugging Face model id for exact prompt lengths (env TOKENIZER; default: the server's /tokenize)")
    .option("--concurrency <list>", "concurrency levels (default 1,2,4,8,16,32)", parseIntList)
    .option("--input-len <n>", "prompt tokens per request (default 256)", parseIntFlag)
    .option("--output-len <n>", "output tokens per request (default 128)", parseIntFlag)
    .option("--num-prompts <n>", "measured requests per step, the same at every level", parseIntFlag)
    .option("--prompts-per-step <k>", "requests per step per unit of concurrency: max(32, k × c) (default 8)", parseIntFlag)
    .option("--warmup <n>", "unmeasured requests sent before each step (default 0)", parseIntFlag)
    .option("--seed <n>", "seed of the prompts (default 42)", parseIntFlag)
    .option("--timeout <seconds>", "per-request timeout (default 600)", parseNumberFlag)
    .option("--percentiles <list>", "percentiles to report (default 50,90,95,99)", parseNumberList)
    .option("--no-ignore-eos", "let the server stop early (default: exactly --output-len tokens)")
    .option("--out <dir>", "results directory (default results/)")
    .option("--dry-run", "print the plan and send nothing")
    .option("--prometheus-url <url>", "read peaks from this Prometheus (env PROMETHEUS_URL; bearer token from PROMETHEUS_TOKEN)")
    .option("--scrape-interval <seconds>", "that Prometheus' scrape interval (default 15)", parseNumberFlag)
    .option("--pod <regex>", "with --prometheus-url: the target's pod(s), matched against pod and exported_pod")
    .option("--gpu-host <regex>", "with --prometheus-url: the GPU node (DCGM Hostname/hostname label)")
    .option("--dcgm-url <url>", "without Prometheus: a DCGM exporter's /metrics to scrape (the simulator's is found by itself)")
    .option("--metrics-url <url>", "without Prometheus: a replica's /metrics, scraped instead of the target's (repeatable; peaks sum the queues and take the busiest KV cache; a `kneepoint sim --replicas N` router is found by itself)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--no-server-metrics", "do not read server metrics (no peaks, verdict from throughput only)")
    .option("--no-charts", "do not render the SVG/PNG charts into the results directory")
    .option("--record [file]", "append the run (table, verdict, run context, baseline comparison) to benchmarks.md or FILE");
}

/** `--shard i/N` and `--start-at TIME`, shared by `sweep` and `run`; parsed to { index, count } and epoch ms. */
export function addShardFlags(cmd: Command, command: "sweep" | "run"): Command {
  const what = command === "sweep" ? "its share of every step's workers and prompts" : "its share of every stage's rate (own seeded arrivals), workers, trace entries and prompts";
  return cmd
    .option("--shard <i/N>", `send shard i (0-based) of N of the plan: ${what}; merge the N result directories with \`kneepoint merge\``, parseShardFlag)
    .option("--start-at <time>", "wait until this wall-clock time before sending (ISO-8601 with a zone, or epoch ms), so shards on several machines start together", (v: string) =>
      parseStartAt(v, Date.now()),
    );
}

export function shardFlagsHelp(command: "sweep" | "run"): string {
  const out = command === "sweep" ? "--out" : "--output";
  return (
    "\nSharded load (--shard i/N): when one process cannot generate the load, run N processes (pods, machines) with\n" +
    `--shard 0/N … --shard N-1/N, the same config and the same --start-at, each with its own ${out}. Together they send\n` +
    "exactly the unsharded plan (disjoint prompts whose union is the plan's); `kneepoint merge OUT DIR…` joins the\n" +
    "result directories into one run, refusing shards of different plans. The index is 0-based, as\n" +
    "JOB_COMPLETION_INDEX in a Kubernetes Indexed Job. --dry-run prints the shard's part of the plan.\n" +
    "--start-at: ISO-8601 with a zone (2026-12-03T22:00:00Z) or epoch ms (date -d '+1 min' +%s%3N); a time already\n" +
    "passed starts at once, and the late start shows as start skew in `kneepoint merge`. Clocks must be in sync (NTP).\n"
  );
}

/** Maps parsed commander options onto config keys. */
export function flagsToConfig(o: Record<string, unknown>): Partial<SweepConfigInput> {
  const out: Record<string, unknown> = {};
  const copy = ["baseUrl", "model", "endpoint", "apiKey", "tokenizer", "concurrency", "inputLen", "outputLen", "numPrompts", "promptsPerStep", "warmup", "seed", "percentiles", "out", "dryRun", "prometheusUrl", "pod", "gpuHost", "dcgmUrl"];
  for (const k of copy) if (o[k] !== undefined) out[k] = o[k];
  if (o.header !== undefined) out.headers = parseHeaders(o.header as string[]);
  if (o.timeout !== undefined) out.timeoutS = o.timeout;
  if (o.ignoreEos === false) out.ignoreEos = false;
  if (o.serverMetrics === false) out.serverMetrics = false;
  if (o.scrapeInterval !== undefined) out.scrapeIntervalS = o.scrapeInterval;
  if (o.metricsUrl !== undefined) out.metricsUrls = o.metricsUrl;
  if (o.shard !== undefined) out.shard = o.shard;
  if (o.startAt !== undefined) out.startAtEpochMs = o.startAt;
  return out as Partial<SweepConfigInput>;
}

/** `--record` alone means ./benchmarks.md. */
export function recordPath(flag: unknown): string | null {
  if (flag === true) return "benchmarks.md";
  return typeof flag === "string" ? flag : null;
}

export async function configLayers(o: Record<string, unknown>): Promise<Array<Partial<SweepConfigInput>>> {
  const file = typeof o.config === "string" ? await readConfigFile(o.config) : {};
  return [configFromEnv(process.env), file, flagsToConfig(o)];
}

export function registerSweepCommand(program: Command): void {
  const cmd = new Command("sweep")
    .summary("closed-loop concurrency sweep against an OpenAI-compatible server; prints and saves the table")
    .description(
      "Closed-loop concurrency sweep against an OpenAI-compatible server: at each concurrency N, N workers each send\n" +
        "their next request as soon as the last one finished. Prints TTFT, ITL, E2EL and throughput per step and writes\n" +
        "results/<runId>/ (per-step JSON with vllm bench serve's keys, raw samples, summary).",
    )
    .addHelpText(
      "after",
      "\nPrecedence: flags > --config file > environment (BASE_URL, BENCH_MODEL, TOKENIZER, ENDPOINT, OPENAI_API_KEY) > defaults.\n" +
        "Ctrl-C stops sending, lets in-flight requests finish (5 s), saves what was measured and exits 130.\n\n" +
        "Examples:\n" +
        "  kneepoint sweep --base-url http://127.0.0.1:8000\n" +
        "  kneepoint sweep --base-url http://litellm:4000 --model llama-8b --endpoint /v1/chat/completions --concurrency 1,4,16\n" +
        "  kneepoint sweep --dry-run\n" +
        "  kneepoint sweep --base-url http://127.0.0.1:8000 --fail-on 'p95(ttft) > 500ms' --fail-on 'error_rate > 1%'\n" +
        "  kneepoint sweep --base-url http://vllm:8000 --shard 0/4 --start-at 2026-12-03T22:00:00Z --out shards/0\n" +
        shardFlagsHelp("sweep") +
        failOnHelp("sweep"),
    );
  addSweepFlags(cmd, { withTarget: true });
  addShardFlags(cmd, "sweep");
  cmd.option("--log-results", "also print each step's result JSON to stdout between `=== kneepoint-result c=N begin/end ===` lines (how the in-cluster Job hands results to `make bench`)");
  cmd.option(FAIL_ON_FLAG, FAIL_ON_DESCRIPTION, collectFailOn);
  cmd.action(async (o: Record<string, unknown>) => {
    // Gates are checked before anything else: a bad expression must not cost a run.
    const gates = parseFailOn(o.failOn as string[] | undefined, { command: "sweep" });
    const { config, warnings } = resolveSweepConfig(await configLayers(o));
    const { runSweepCommand } = await import("../run-sweep.ts"); // the sweep's pipeline loads when a sweep runs
    await runSweepCommand(config, warnings, io(), { record: recordPath(o.record), charts: o.charts !== false, logResults: o.logResults === true, gates });
  });
  program.addCommand(cmd);
}
