/**
 * What kneepoint recorded about a scenario run's target (kneepoint_run.json, written by `kneepoint run`), as
 * run-context pairs for the HTML report: target URL (any user:password in it dropped), target kind, server
 * version, simulator, tokenizer, harness version, where the API key came from (never the key). A directory
 * inference-perf wrote has no such file: no pairs.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { KNEEPOINT_RUN_FILE } from "../../scenarios/storage/report-file.ts";

export type RunFacts = Array<[string, string]>;

const FIELDS: ReadonlyArray<[key: string, label: string]> = [
  ["base_url", "Target"],
  ["target_kind", "Target kind"],
  ["server_version", "Server version"],
  ["simulator", "Simulator"],
  ["simulator_profile", "Simulator profile"],
  ["tokenizer", "Tokenizer"],
  ["harness_version", "Harness version"],
  ["api_key_source", "API key from"],
];

function withoutUserInfo(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

export function runFactsOf(record: unknown): RunFacts {
  if (typeof record !== "object" || record === null) return [];
  const r = record as Record<string, unknown>;
  return FIELDS.flatMap(([key, label]) => {
    const v = r[key];
    if (typeof v !== "string" || v === "") return [];
    return [[label, key === "base_url" ? withoutUserInfo(v) : v] as [string, string]];
  });
}

export async function readRunFacts(dir: string): Promise<RunFacts> {
  const text = await readFile(join(dir, KNEEPOINT_RUN_FILE), "utf8").catch(() => null);
  if (text === null) return [];
  try {
    return runFactsOf(JSON.parse(text));
  } catch {
    return []; // the reader of the report files already says what is wrong with it
  }
}
