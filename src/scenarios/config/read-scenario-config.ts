/**
 * Reads an inference-perf config the way inference-perf does (YAML, deep-merged onto the defaults, then the
 * overrides) and validates it once. A key of the file that neither release knows is run past with a warning naming
 * the nearest valid key (inference-perf 0.2.0 ignores unknown keys; 0.7.0 refuses them, so a config either release
 * accepts runs here); an unknown --set path is an error (it is kneepoint's flag). Then features kneepoint does not
 * run yet are refused, then the schema and its cross-field rules. Every error is a UsageError (exit 2) naming the
 * key and, when it came from a --set, that --set.
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { UsageError } from "../../errors.ts";
import { scenarioConfigSchema, type ScenarioConfig } from "./scenario-config-schema.ts";
import { findUnknownKeys, findUnknownSegment, formatPath, type UnknownKey } from "./schema-keys.ts";
import { compatibilityWarnings, withoutKeys } from "./compatibility-warnings.ts";
import { findUnsupportedFeatures } from "./unsupported-features.ts";
import { applySet, parseSet, type PathSegment, type SetOverride } from "./set-override.ts";
import { substituteTimestamp } from "./storage-timestamp.ts";
import { readTraceFile } from "../data/read-trace-file.ts";

export interface ScenarioConfigOptions {
  /** The clock for `{timestamp}` and the default load.base_seed (inference-perf: the time of reading). */
  now?: Date;
  /** inference-perf's default load.num_workers is the CPU count. */
  cpuCount?: number;
}

const STORAGE_KINDS = ["local_storage", "google_cloud_storage", "simple_storage_service"] as const;

function describeUnknown(u: UnknownKey): string {
  const full = formatPath([...u.path, u.key]);
  if (u.suggestion) return `${full} is not a key; did you mean ${u.suggestion}?`;
  const parent = u.path.length ? formatPath(u.path) : "the top level";
  return `${full} is not a key; valid keys of ${parent}: ${u.validKeys.join(", ")}`;
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}

/** The last --set that wrote this path (or a parent or child of it), for naming the origin of an error. */
function originOf(path: readonly PathSegment[], sets: readonly SetOverride[]): SetOverride | undefined {
  return [...sets].reverse().find((s) => startsWith(path, s.path) || startsWith(s.path, path));
}

function fail(lines: string[], source: string, hint: string): never {
  throw new UsageError(lines.length === 1 ? `${source}: ${lines[0]}` : `${source}:\n  ${lines.join("\n  ")}`, hint);
}

function withOrigin(line: string, path: readonly PathSegment[], sets: readonly SetOverride[]): string {
  const set = originOf(path, sets);
  return set ? `--set ${set.text}: ${line}` : line;
}

function zodLines(error: z.ZodError, sets: readonly SetOverride[]): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    const where = path.length ? formatPath(path) : "(config)";
    return withOrigin(`${where}: ${issue.message}`, path, sets);
  });
}

export interface ParsedScenarioConfig {
  config: ScenarioConfig;
  /** Keys run past and values inference-perf reads differently, one line each (`path: what; what to do`). */
  warnings: string[];
}

/** Pure core of readScenarioConfig: a parsed YAML document and --set texts in, a validated config out. */
export function parseScenarioConfig(doc: unknown, setTexts: readonly string[], source: string, opts: Required<ScenarioConfigOptions>): ScenarioConfig {
  return parseScenarioConfigWithWarnings(doc, setTexts, source, opts).config;
}

export function parseScenarioConfigWithWarnings(doc: unknown, setTexts: readonly string[], source: string, opts: Required<ScenarioConfigOptions>): ParsedScenarioConfig {
  const warnings: string[] = [];
  try {
    return validate(doc, setTexts, source, opts, warnings);
  } catch (err) {
    // A refused config still names the keys that were run past: often they are why (auto_stage left no stages).
    if (!(err instanceof UsageError) || warnings.length === 0) throw err;
    throw new UsageError(`${err.message}\n  ${warnings.map((w) => `(warning: ${w})`).join("\n  ")}`, err.hint, { cause: err });
  }
}

function validate(doc: unknown, setTexts: readonly string[], source: string, opts: Required<ScenarioConfigOptions>, warnings: string[]): ParsedScenarioConfig {
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== "object" || Array.isArray(doc)) fail(["must be a mapping of inference-perf sections (api, data, load, server, …)"], source, "see benchmarks/scenarios/ for examples");
  const hint = `fix ${source}${setTexts.length ? " or the --set values" : ""}; the keys are inference-perf's config keys (examples in benchmarks/scenarios/)`;

  const unknownInFile = findUnknownKeys(scenarioConfigSchema, doc);
  warnings.push(...unknownInFile.map((u) => `${source}: ${describeUnknown(u)} (ignored, as inference-perf 0.2.0 ignores it; 0.7.0 refuses it)`));
  doc = withoutKeys(doc, unknownInFile.map((u) => [...u.path, u.key]));

  const sets = setTexts.map(parseSet);
  let merged: unknown = doc;
  for (const set of sets) {
    const unknown = findUnknownSegment(scenarioConfigSchema, set.path);
    if (unknown) fail([`--set ${set.text}: ${describeUnknown(unknown)}`], source, hint);
    merged = applySet(merged, set);
  }
  const unknownAfterSets = findUnknownKeys(scenarioConfigSchema, merged);
  if (unknownAfterSets.length) fail(unknownAfterSets.map((u) => withOrigin(describeUnknown(u), [...u.path, u.key], sets)), source, hint);

  const unsupported = findUnsupportedFeatures(merged);
  if (unsupported.length) {
    fail(
      unsupported.map((u) => withOrigin(`${u.what} is not supported yet by kneepoint run`, u.path, sets)),
      source,
      unsupported.map((u) => u.hint).join("; "),
    );
  }

  const load = ((merged as Record<string, unknown>).load ?? {}) as Record<string, unknown>;
  const withClockDefaults = {
    ...(merged as Record<string, unknown>),
    load: {
      ...load,
      num_workers: load.num_workers ?? Math.max(1, opts.cpuCount),
      base_seed: load.base_seed ?? opts.now.getTime(),
    },
  };
  const parsed = scenarioConfigSchema.safeParse(withClockDefaults);
  if (!parsed.success) fail(zodLines(parsed.error, sets), source, hint);
  const cfg = parsed.data;
  if (cfg.storage) {
    for (const kind of STORAGE_KINDS) {
      const block = cfg.storage[kind];
      if (block) block.path = substituteTimestamp(block.path, opts.now);
    }
  }
  warnings.push(...compatibilityWarnings(merged).map((w) => `${source}: ${w}`));
  return { config: cfg, warnings };
}

export async function readScenarioConfig(path: string, sets: readonly string[], opts: ScenarioConfigOptions = {}): Promise<ScenarioConfig> {
  return (await readScenarioConfigWithWarnings(path, sets, opts)).config;
}

export async function readScenarioConfigWithWarnings(path: string, sets: readonly string[], opts: ScenarioConfigOptions = {}): Promise<ParsedScenarioConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, "check the -c/--config path");
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`, "fix the YAML syntax");
  }
  const parsed = parseScenarioConfigWithWarnings(doc, sets, path, { now: opts.now ?? new Date(), cpuCount: opts.cpuCount ?? availableParallelism() });
  await readTraces(parsed.config);
  return parsed;
}

/**
 * Reads the trace files a config replays, once, at the boundary, so the plan and the request source stay pure:
 * load.trace only for load.type trace_replay (0.7.0's load generator reads it for no other type), data.trace
 * whenever it is set (the schema allows it only with data.type random and load.type trace_replay).
 */
export async function readTraces(cfg: ScenarioConfig): Promise<void> {
  const { load, data } = cfg;
  if (load.type === "trace_replay" && load.trace !== null) load.trace.rows = await readTraceFile(load.trace, "load.trace");
  if (data.trace !== null) data.trace.rows = await readTraceFile(data.trace, "data.trace");
}
