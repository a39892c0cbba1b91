/**
 * `kneepoint run --in-cluster --pods N` (`make scenario-job PODS=N`) once its Indexed Job has ended: each pod's report
 * files decoded from its log into shards/<i>/ (beside its job.log), the shards merged by `kneepoint merge`'s scenario
 * merge (src/merge/merge-scenario-shards.ts) into the report directory itself, then the table, the per-shard table,
 * report.md and the charts as for one pod (collect-scenario.ts). The shards that finished are merged when one fails.
 */
import { loadPodsOf } from "../k8s/co-location.ts";
import { mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { KneepointError } from "../errors.ts";
import type { IndexedJobOutcome } from "../k8s/run-indexed-job.ts";
import { mergeScenarioShards, scenarioStepLabel } from "../merge/merge-scenario-shards.ts";
import { renderShardTable } from "../merge/render-shard-table.ts";
import { logTail, presentScenario, writeLoggedReports, type CollectedScenario, type CollectScenarioInput } from "./collect-scenario.ts";

export interface CollectShardsInput extends Omit<CollectScenarioInput, "outcome"> {
  outcome: IndexedJobOutcome;
}

export async function collectScenarioShards(input: CollectShardsInput): Promise<CollectedScenario> {
  const { outcome, dir, warn } = input;
  const shardDirs: string[] = [];
  let problems = 0;
  for (const shard of outcome.shards) {
    const shardDir = join(dir, "shards", String(shard.index));
    const got = await writeLoggedReports(shard.log, shardDir, warn, `shard ${shard.index}: `);
    problems += got.problems;
    if (got.files.length > 0) shardDirs.push(shardDir);
    else warn(`shard ${shard.index} brought back no report files (${shard.stage.text}${shard.exitCode !== null ? `, exit ${shard.exitCode}` : ""})`);
  }
  const codes = outcome.shards.map((s) => s.exitCode).filter((c): c is number => c !== null);
  const stopped = input.stoppedByUser || outcome.end === "interrupted" || codes.some((c) => c === 130 || c === 143);
  const worst = codes.find((c) => c === 2) ?? codes.find((c) => c === 3) ?? codes.find((c) => c !== 0) ?? (codes.length ? 0 : null);
  const tail = outcome.shards.flatMap((s) => logTail(s.log, 3).map((l) => `[${s.index}] ${l}`));

  let files: string[] = [];
  let afterTable: string | undefined;
  let mergedPartial = false;
  if (shardDirs.length > 0) {
    // The merge writes into an empty directory; dir already holds shards/ and job.json, so it merges next to it first.
    const tmp = await mkdtemp(join(dirname(dir), `.${basename(dir)}-merge-`));
    try {
      const merged = await mergeScenarioShards(shardDirs, tmp, { allowMissing: true });
      for (const w of merged.warnings) warn(w);
      if (merged.missing.length > 0) warn(`shards ${merged.missing.join(", ")} of ${merged.shardCount} are missing from the merge`);
      mergedPartial = merged.status === "partial";
      for (const f of await readdir(tmp)) await rename(join(tmp, f), join(dir, f));
      files = merged.files.map((f) => basename(f));
      afterTable = `\nper shard:\n${renderShardTable(merged.shardRows, { color: input.io.color, stepLabel: scenarioStepLabel })}\n`;
    } catch (err) {
      if (!(err instanceof KneepointError)) throw err;
      warn(`the shards could not be merged: ${err.message}${err.hint ? ` (${err.hint})` : ""}; each shard's reports are in ${join(dir, "shards")}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return presentScenario({
    ...input,
    loadPods: loadPodsOf(outcome),
    files,
    code: worst,
    stopped,
    partial: outcome.end !== "succeeded" || problems > 0 || mergedPartial,
    problems,
    tail,
    end: outcome.end,
    message: outcome.message,
    ...(outcome.hint ? { hint: outcome.hint } : {}),
    ...(afterTable ? { afterTable } : {}),
  });
}
