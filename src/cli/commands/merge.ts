/**
 * `kneepoint merge OUT DIR…`: the result directories of a sharded sweep (`kneepoint sweep --shard i/N`) merged
 * into one run directory, reported as `kneepoint sweep` reports (the same table, knee, verdict, charts and
 * report.html), or those of a sharded scenario (`kneepoint run --shard i/N`) merged into inference-perf's
 * lifecycle reports with the scenario table; then the per-shard table that shows an overloaded or late load process.
 */
import { Command } from "commander";
import { mergeSweepShards, type SweepMergeResult } from "../../merge/merge-sweep-shards.ts";
import { mergeScenarioShards, scenarioStepLabel, type ScenarioMergeResult } from "../../merge/merge-scenario-shards.ts";
import { shardKindOf } from "../../merge/shard-kinds.ts";
import { renderShardTable } from "../../merge/render-shard-table.ts";
import { renderScenarioSummaryTableFromStates } from "../../scenarios/report/scenario-summary-table.ts";
import { createResultsWriter } from "../../report/results-writer.ts";
import { reportRun } from "../report-run.ts";
import type { CliIo } from "../run-sweep.ts";
import { io as processIo, parseNumberList, recordPath } from "./sweep.ts";
import { basename, dirname } from "node:path";
import { UsageError } from "../../errors.ts";

interface MergeFlags {
  allowMissing?: boolean;
  percentiles?: number[];
  charts: boolean;
  record?: string | boolean;
}

function perStepOf(m: SweepMergeResult): string {
  const c = m.config;
  return c.numPrompts !== undefined ? String(c.numPrompts) : `max(${c.minPrompts}, ${c.promptsPerStep}×c)`;
}

/** Scenario shards: the merged lifecycle reports, the scenario table and the per-shard table. */
async function mergeScenario(out: string, dirs: string[], o: MergeFlags, io: CliIo): Promise<ScenarioMergeResult> {
  if (o.record) throw new UsageError("--record applies to sweep shards only", "drop --record: scenario reports are not appended to benchmarks.md");
  const merged = await mergeScenarioShards(dirs, out, { ...(o.allowMissing ? { allowMissing: true } : {}), ...(o.percentiles ? { percentiles: o.percentiles } : {}) });
  for (const w of merged.warnings) io.stderr.write(`warning: ${w}\n`);
  io.stderr.write(`merged ${merged.shardCount - merged.missing.length} of ${merged.shardCount} scenario shards of plan ${merged.planId} into ${merged.dir}\n`);
  io.stdout.write(renderScenarioSummaryTableFromStates(merged.stages, { streaming: merged.streaming, color: io.color }) + "\n");
  io.stdout.write(`\nper shard:\n${renderShardTable(merged.shardRows, { color: io.color, stepLabel: scenarioStepLabel })}\n`);
  io.stdout.write(`reports: ${merged.dir} (${merged.status}; lifecycle reports of the merged stages, no per-request, Prometheus or chart files: each shard's are in its own directory)\n`);
  return merged;
}

export async function runMergeCommand(out: string, dirs: string[], o: MergeFlags, io: CliIo): Promise<SweepMergeResult | ScenarioMergeResult> {
  if ((await shardKindOf(dirs)) === "scenario") return mergeScenario(out, dirs, o, io);
  return mergeSweep(out, dirs, o, io);
}

async function mergeSweep(out: string, dirs: string[], o: MergeFlags, io: CliIo): Promise<SweepMergeResult> {
  const merged = await mergeSweepShards(dirs, out, { ...(o.allowMissing ? { allowMissing: true } : {}), ...(o.percentiles ? { percentiles: o.percentiles } : {}) });
  for (const w of merged.warnings) io.stderr.write(`warning: ${w}\n`);
  const shardsMerged = merged.shardCount - merged.missing.length;
  io.stderr.write(`merged ${shardsMerged} of ${merged.shardCount} shards of plan ${merged.planId} into ${merged.dir}\n`);
  const record = recordPath(o.record);
  await reportRun({
    runId: merged.runId,
    config: merged.config,
    target: merged.target,
    steps: merged.steps.map((s) => ({ concurrency: s.concurrency, result: s.result, partial: s.partial })),
    peaks: null,
    gpu: null,
    writer: await createResultsWriter(dirname(merged.dir), basename(merged.dir)),
    record: merged.status === "partial" ? null : record,
    series: [],
    charts: o.charts,
    perStep: perStepOf(merged),
    io,
    engine: `kneepoint-native, ${merged.shardCount} shards merged`,
  });
  if (merged.status === "partial" && record) io.stderr.write(`not recorded in ${record}: the merged run is partial\n`);
  io.stdout.write(`\nper shard:\n${renderShardTable(merged.shardRows, { color: io.color })}\n`);
  io.stdout.write(`results: ${merged.dir} (${merged.status})\n`);
  return merged;
}

export function registerMergeCommand(program: Command, deps: { io?: () => CliIo } = {}): void {
  const cmd = new Command("merge")
    .summary("merge the result directories of a sharded sweep or scenario (--shard i/N) into one run")
    .description(
      "Merges the result directories of `kneepoint sweep --shard i/N` (one per load process) into one run directory OUT, " +
        "as if one process had sent every shard's requests: per step, the shards' mergeable states are merged and " +
        "summarized (exact while the samples are kept, within the histograms' stated relative error beyond). Prints the " +
        "sweep's table, knee and verdict, writes charts and report.html, then a per-shard table (requests, client CPU, " +
        "schedule delay p50/p99, start/end skew per step), so an overloaded or late load process is visible. " +
        "Scenario shards (`kneepoint run --shard i/N`) merge the same way into inference-perf's lifecycle reports " +
        "(summary_lifecycle_metrics.json, stage_N_lifecycle_metrics.json) and print the scenario table.",
    )
    .argument("<out>", "the merged run's directory (new or empty; its name is the run id)")
    .argument("<dirs...>", "the shards' result directories (results/<runId> of each `kneepoint sweep --shard i/N`, or each `kneepoint run --shard i/N --output DIR`)")
    .option("--allow-missing", "merge although some shards' directories are missing; the run is marked partial")
    .option("--percentiles <list>", "percentiles of the merged steps (default: the shards' --percentiles)", parseNumberList)
    .option("--no-charts", "do not render the charts and report.html into OUT")
    .option("--record [file]", "sweep shards: append the merged run to benchmarks.md or FILE (not when it is partial)")
    .addHelpText(
      "after",
      "\nRefused, with the reason: a directory that is not a sweep shard's; shards of different plans (their config,\n" +
        "seed, levels or target differ: the first differing fields of plan.json and config.json are named); an index\n" +
        "given twice; different shard counts N; missing indexes (unless --allow-missing); sweep and scenario shards\n" +
        "together. Scenario shards merge their lifecycle reports only (per-request, Prometheus and chart files stay per shard).\n" +
        "A warning names any step whose shards started more than 5 % of the step's duration apart.\n\n" +
        "Exit codes: 0 ok, 2 the directories cannot be merged (the message says why).\n\n" +
        "Examples:\n" +
        "  kneepoint sweep --base-url http://vllm:8000 --shard 0/2 --start-at 2026-12-03T22:00:00Z --out shards/0 &\n" +
        "  kneepoint sweep --base-url http://vllm:8000 --shard 1/2 --start-at 2026-12-03T22:00:00Z --out shards/1\n" +
        "  kneepoint merge results/merged shards/0/* shards/1/*\n" +
        "  kneepoint merge results/partial shards/0/* shards/2/* --allow-missing\n" +
        "  kneepoint merge reports/merged reports/shard-0 reports/shard-1 reports/shard-2   # kneepoint run --shard i/3 --output reports/shard-i",
    )
    .action(async (out: string, dirs: string[], o: MergeFlags) => {
      await runMergeCommand(out, dirs, o, (deps.io ?? processIo)());
    });
  program.addCommand(cmd);
}
