/**
 * The capacity search's own flags (--slo, --search, … --repeats), shared by `kneepoint capacity` and the
 * in-cluster Job's `capacity`, with their parsing into SLOs and validated options, and the way back: the
 * options as the flags that the runner passes to the Job (capacityJobArgs).
 */
import type { Command } from "commander";
import { Option } from "commander";
import { UsageError } from "../errors.ts";
import { usageErrorFromZod } from "../config/config-errors.ts";
import { ARRIVALS, SEARCH_AXES, capacityOptionsSchema, type CapacityOptions } from "../capacity/capacity-options.ts";
import { parseSlo, type Slo } from "../capacity/slo.ts";
import type { Axis } from "../capacity/capacity-plan.ts";
import { collectFailOn } from "./fail-on.ts";
import { parseIntFlag, parseNumberFlag } from "./commands/sweep.ts";

export function parseSlos(exprs: readonly string[] | undefined): Slo[] {
  if (!exprs || exprs.length === 0) throw new UsageError("--slo: at least one SLO is required", "e.g. --slo 'p95(ttft)<=500ms' --slo 'p99(itl)<=50ms' --slo 'error_rate<=1%'");
  return exprs.map((expr, i) => {
    const r = parseSlo(expr);
    if (!r.ok) throw new UsageError(`--slo #${i + 1} '${expr}': ${r.message}`, r.fix);
    return r.slo;
  });
}

const OPTION_KEYS = ["search", "arrival", "startRate", "minRate", "maxRate", "startConcurrency", "maxConcurrency", "tolerance", "tailSamples", "minRequests", "minProbeS", "warmupFraction", "closeMargin", "repeats"] as const;

export function addCapacitySearchFlags(cmd: Command): Command {
  return cmd
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
    .option("--repeats <n>", "re-measurements of a close verdict (default 1)", parseIntFlag);
}

/** The target and the request shape (the sweep's config keys), shared by the local command and the Job's. */
export function addCapacityTargetFlags(cmd: Command): Command {
  return cmd
    .option("--base-url <url>", "server root, without /v1 (env BASE_URL); none: the built-in simulator")
    .option("--model <name>", "model name to send (env BENCH_MODEL; default: first of GET /v1/models)")
    .option("--endpoint <path>", "/v1/completions or /v1/chat/completions (default /v1/completions)")
    .option("--tokenizer <spec>", "tokenizer.json path or Hugging Face id (default: the server's /tokenize)")
    .option("--input-len <n>", "prompt tokens per request (default 256)", parseIntFlag)
    .option("--output-len <n>", "output tokens per request (default 128)", parseIntFlag)
    .option("--seed <n>", "seed of the prompts and arrivals (default 42)", parseIntFlag)
    .option("--timeout <seconds>", "per-request timeout (default 600)", parseNumberFlag)
    .option("--no-ignore-eos", "let the server stop early (default: exactly --output-len tokens)")
    .option("--out <dir>", "results directory (default results/)");
}

/** The SLOs and the validated search options of parsed flags: a UsageError (exit 2) names the flag. */
export function parseCapacityFlags(o: Record<string, unknown>): { slos: Slo[]; options: CapacityOptions } {
  const slos = parseSlos(o.slo as string[] | undefined);
  const optionInput: Record<string, unknown> = { slo: o.slo };
  for (const k of OPTION_KEYS) if (o[k] !== undefined) optionInput[k] = o[k];
  const parsed = capacityOptionsSchema.safeParse(optionInput);
  if (!parsed.success) throw usageErrorFromZod(parsed.error, "capacity options", "run `kneepoint capacity --help` for the accepted values");
  return { slos, options: parsed.data };
}

/** The axes the search runs, in its order (the closed loop first: its answer starts the rate search). */
export function axesOf(options: CapacityOptions): Axis[] {
  return options.search === "both" ? ["concurrency", "rate"] : [options.search];
}

/** The options as flags (every key, defaults included, so the Job searches exactly what was validated here). */
export function capacityJobArgs(options: CapacityOptions): string[] {
  const args = options.slo.flatMap((s) => ["--slo", s]);
  for (const k of OPTION_KEYS) {
    const v = options[k];
    if (v !== undefined) args.push(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v));
  }
  return args;
}
