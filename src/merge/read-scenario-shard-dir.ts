/**
 * Reads one `kneepoint run --shard i/N` report directory for `kneepoint merge` (the files are described in
 * src/shard/scenario-shard-manifest.ts): the manifest, each stage's state, and config.yaml / kneepoint_run.json to carry
 * into the merged directory. The report prefix is the manifest's (`<prefix>kneepoint_shard.json`).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../errors.ts";
import { stageStateFromJson } from "../scenarios/report/stage-state-json.ts";
import type { StageState } from "../scenarios/report/stage-state.ts";
import type { ShardIdentity } from "./check-shard-set.ts";
import { parseScenarioShardManifest, SCENARIO_SHARD_MANIFEST, type ScenarioShardManifest } from "../shard/scenario-shard-manifest.ts";

export interface ScenarioShardDir extends ShardIdentity {
  kind: "scenario";
  manifest: ScenarioShardManifest;
  /** The report_file_prefix the shard's files carry. */
  prefix: string;
  /** States by stage index. */
  states: Map<number, StageState>;
  /** config.yaml's text and kneepoint_run.json's document, when present. */
  configYaml: string | null;
  runFile: unknown;
}

const MANIFEST_FILE = `${SCENARIO_SHARD_MANIFEST}.json`;

/** The manifest's file in `files`, and the prefix before it; null when there is none. */
export function findScenarioManifest(files: readonly string[]): { file: string; prefix: string } | null {
  const file = files.find((f) => f.endsWith(MANIFEST_FILE));
  return file === undefined ? null : { file, prefix: file.slice(0, -MANIFEST_FILE.length) };
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch(() => null);
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, "the file is damaged; re-run the shard");
  }
}

export async function readScenarioShardDir(dir: string): Promise<ScenarioShardDir> {
  const files = await readdir(dir);
  const found = findScenarioManifest(files);
  if (found === null) throw new UsageError(`${dir} has no ${MANIFEST_FILE}: it is not a scenario shard directory`, "pass the report directories of `kneepoint run --shard i/N`");
  const manifestPath = join(dir, found.file);
  const doc = parseJson((await readText(manifestPath)) ?? "", manifestPath);
  const parsed = parseScenarioShardManifest(doc);
  if (!parsed.ok && doc !== null && typeof doc === "object" && !("kind" in doc)) {
    throw new UsageError(
      `${manifestPath} names the shard but not its stage states (kneepoint_stage_N_state.json): this \`kneepoint run --shard\` wrote no mergeable state`,
      "re-run the shards with a kneepoint whose `run --shard` writes src/shard/scenario-shard-files.ts's files",
    );
  }
  if (!parsed.ok) throw new UsageError(`${manifestPath} is not what a scenario shard writes: ${parsed.issues.join("; ")}`, "was it written by another kneepoint version? re-run the shard with this one");
  const manifest = parsed.manifest;
  const states = new Map<number, StageState>();
  for (const stage of manifest.stages) {
    if (stage.state === null) continue;
    const path = join(dir, found.prefix + stage.state);
    const text = await readText(path);
    if (text === null) throw new UsageError(`${dir}: the manifest lists ${found.prefix + stage.state}, which is missing`, "the shard's directory is incomplete; re-collect or re-run it");
    try {
      states.set(stage.index, stageStateFromJson(parseJson(text, path), path));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError((err as Error).message, "the state is damaged or from another kneepoint version; re-run the shard");
    }
  }
  const configYaml = await readText(join(dir, `${found.prefix}config.yaml`));
  const runText = await readText(join(dir, `${found.prefix}kneepoint_run.json`));
  let config: unknown = null;
  try {
    config = configYaml === null ? null : (parseYaml(configYaml) as unknown);
  } catch {
    config = null; // only used to name differences between plans
  }
  const { index, count, planId, startAtEpochMs } = manifest.shard;
  return {
    kind: "scenario",
    dir,
    index,
    count,
    planId,
    startAtEpochMs: startAtEpochMs ?? null,
    plan: manifest.stages.map((s) => ({ index: s.index, plan: s.plan, requests: s.requests })),
    config,
    manifest,
    prefix: found.prefix,
    states,
    configYaml,
    runFile: runText === null ? null : parseJson(runText, join(dir, `${found.prefix}kneepoint_run.json`)),
  };
}
