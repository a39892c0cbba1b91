/**
 * `kneepoint run -c config.yml`: an inference-perf config run with the native engine, its reports and charts
 * (src/cli/run-scenario.ts). This file is the command line: flags, help, and the call.
 */
import { Command } from "commander";
import { runScenarioCommand } from "../run-scenario.ts";
import type { CliIo } from "../run-sweep.ts";
import { addShardFlags, io as processIo, shardFlagsHelp } from "./sweep.ts";
import type { ShardSpec } from "../../shard/shard-spec.ts";
import { collectFailOn, FAIL_ON_DESCRIPTION, FAIL_ON_FLAG, failOnHelp, parseFailOn } from "../fail-on.ts";

interface RunFlags {
  config: string;
  set?: string[];
  dryRun?: boolean;
  output?: string;
  charts: boolean;
  serverMetrics: boolean;
  failOn?: string[];
  shard?: ShardSpec;
  startAt?: number;
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
    .requiredOption("-c, --config <file>", "the inference-perf config (YAML)")
    .option("--set <key=value>", "override a config key before validation, e.g. load.stages[0].duration=30 (value parsed as YAML; repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--dry-run", "validate the config, print the plan and send nothing")
    .option("--output <dir>", "write the local reports here (replaces storage.local_storage.path)")
    .option("--no-charts", "do not render report.md and the charts into the report directory")
    .option("--no-server-metrics", "do not read the server's queue and KV cache over time (no /metrics scrape, no Prometheus range queries)")
    .option(FAIL_ON_FLAG, FAIL_ON_DESCRIPTION, collectFailOn)
    .addHelpText(
      "after",
      "\nThe target's API key is the config's server.api_key, or OPENAI_API_KEY when the config has none (the\n" +
        "bench-target-auth Secret in the cluster); it is never written to the reports. A key the target refuses\n" +
        "(401, 403, LiteLLM's no_db_connection) stops the run after the first requests.\n" +
        "\nExit codes: 0 ok, 2 invalid config or --fail-on, 3 target or storage unreachable or the key refused,\n4 a --fail-on gate failed, 130 interrupted (partial reports saved).\n" +
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
        "  kneepoint report --compare reports/a reports/b --label a --label b",
    );
  addShardFlags(cmd, "run");
  cmd.action(async (o: RunFlags) => {
    const gates = parseFailOn(o.failOn, { command: "run" });
    const sharding = { ...(o.shard ? { shard: o.shard } : {}), ...(o.startAt !== undefined ? { startAtEpochMs: o.startAt } : {}) };
    await runScenarioCommand(
      { config: o.config, sets: o.set ?? [], dryRun: o.dryRun === true, output: o.output ?? null, charts: o.charts, serverMetrics: o.serverMetrics, gates, ...sharding },
      (deps.io ?? processIo)(),
    );
  });
  program.addCommand(cmd);
}
