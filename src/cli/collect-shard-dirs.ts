/**
 * `make bench PODS=N`, after the Indexed Job: each load pod's log becomes a shard result directory under the run's
 * `shards/<i>/` (what `kneepoint sweep --shard i/N --out DIR` would have left on the pod), ready for the merge:
 *
 *   job.log            the pod's log as followed (job-log-follower.ts)
 *   summary.json       { shard: {index, count, planId, startAtEpochMs}, pod, node, status, steps: [...] }
 *   state-c<N>.json    the step's mergeable state, from the pod's `kneepoint-shard-state` block (stateFileName)
 *   step-c<N>.json     the step's result as the pod printed it (kneepoint-result block)
 *   config.json, plan.json, target.json   the run's, as the runner knows them (the pod does not print its own)
 *
 * A pod that printed no state for a step leaves that step out of its directory; a pod with no state at all leaves
 * no directory to merge, and is named with its last log lines.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { extractMarkedResults } from "../engine/vllm/extract-marked-results.ts";
import { failedStepsInLog } from "../engine/vllm/result-markers.ts";
import type { ShardRun } from "../k8s/run-indexed-job.ts";
import { lastLogLines, shardStatesFromLog, type ShardStateBlock } from "../k8s/shard-log-states.ts";
import { writeFileAtomically } from "../report/write-file-atomically.ts";
import { stateFileName } from "../merge/read-shard-dir.ts";

/** What the runner knows of the run, written into every shard directory. */
export interface ShardRunFiles {
  config: unknown;
  /** The plan of shard i (the runner's own, when the pod does not print it). */
  plan: (index: number) => unknown;
  target: unknown;
}

export interface CollectedShard {
  index: number;
  dir: string;
  podName: string | null;
  nodeName: string | null;
  /** The steps with a state block, in log order. */
  states: ShardStateBlock[];
  /** The pod's raw step results by concurrency (started_at_ms/ended_at_ms give the step's window). */
  results: Map<number, Record<string, unknown>>;
  /** The pod ended with exit 0 and printed a state for every step. */
  ok: boolean;
  /** Why it is not ok, one sentence: "exit 1 at c=8", "never started: waiting for a node". */
  failure: string | null;
  /** The pod's last log lines, for a failure. */
  tail: string[];
  problems: string[];
}

const writeJson = (path: string, value: unknown) => writeFileAtomically(path, JSON.stringify(value, null, 2) + "\n");

/** The shard's directory, written from its pod's log; `steps` is the sweep's concurrency list. */
export async function writeShardDir(runDir: string, run: ShardRun, count: number, steps: readonly number[], files: ShardRunFiles): Promise<CollectedShard> {
  const dir = join(runDir, "shards", String(run.index));
  await mkdir(dir, { recursive: true });
  await writeFileAtomically(join(dir, "job.log"), run.log + "\n");
  const { blocks, problems } = shardStatesFromLog(run.log, { index: run.index, count });
  const results = new Map<number, Record<string, unknown>>();
  const extracted = extractMarkedResults(run.log);
  for (const r of extracted.results) results.set(r.concurrency, r.json);
  for (const e of extracted.errors) problems.push(e.message);
  for (const b of blocks) await writeJson(join(dir, stateFileName(b.concurrency)), b.state);
  for (const [c, json] of results) await writeJson(join(dir, `step-c${c}.json`), json);
  await writeJson(join(dir, "config.json"), files.config);
  await writeJson(join(dir, "plan.json"), files.plan(run.index));
  await writeJson(join(dir, "target.json"), files.target);

  const missing = steps.filter((c) => !blocks.some((b) => b.concurrency === c));
  const failedStep = failedStepsInLog(run.log)[0];
  const exited = run.exitCode !== null && run.exitCode !== 0;
  let failure: string | null = null;
  if (run.startedAtMs === null) failure = `never started: ${run.stage.text}`;
  else if (exited || failedStep) failure = `${run.stage.text}${failedStep ? ` at c=${failedStep.concurrency}` : ""}`;
  else if (missing.length > 0) failure = `no state for c=${missing.join(",")}${run.logComplete ? "" : " (its log could not be read to the end)"}`;
  const shard = blocks[0]?.shard ?? null;
  await writeJson(join(dir, "summary.json"), {
    shard,
    pod: run.podName,
    node: run.nodeName,
    status: failure ? "partial" : "complete",
    ...(failure ? { failure } : {}),
    logComplete: run.logComplete,
    steps: blocks.map((b) => ({
      concurrency: b.concurrency,
      file: stateFileName(b.concurrency),
      partial: b.partial,
      prompt_length_mismatches: b.promptLengthMismatches,
      client_cpu_ms: b.clientCpuMs ?? null,
    })),
  });
  return {
    index: run.index,
    dir,
    podName: run.podName,
    nodeName: run.nodeName,
    states: blocks,
    results,
    ok: failure === null,
    failure,
    tail: failure ? lastLogLines(run.log, 5) : [],
    problems,
  };
}

/** A merged step's window: from the first shard's start to the last shard's end (the union of the shards'). */
export function unionWindow(shards: readonly CollectedShard[], concurrency: number): { startedAtMs: number; endedAtMs: number } | null {
  let start = Infinity;
  let end = -Infinity;
  for (const s of shards) {
    const r = s.results.get(concurrency);
    const a = r?.started_at_ms;
    const b = r?.ended_at_ms;
    if (typeof a === "number" && a > 0) start = Math.min(start, a);
    if (typeof b === "number" && b > 0) end = Math.max(end, b);
  }
  return Number.isFinite(start) && Number.isFinite(end) && end >= start ? { startedAtMs: start, endedAtMs: end } : null;
}
