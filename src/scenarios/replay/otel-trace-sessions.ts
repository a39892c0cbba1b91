/**
 * The session corpus of `data.type: otel_trace_replay`, as inference-perf 0.7.0 reads it
 * (datagen/replay/otel_trace_replay_datagen.py): one session per trace file, ordered by `random.seed(base_seed)`
 * + `random.shuffle` (python-random.ts), named `trace<slot>_<session_id | trace_id | file stem>`, duplicated to
 * `duplicate_sessions_target` as `<id>_dup<k>`. A file without LLM calls is a session 0.7.0 skips (counted done,
 * never reported); kneepoint skips it too and says so. `trace_files` globs are resolved and sorted (0.7.0 keeps them
 * in a Python set's order, which changes from one process to the next).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { globFiles } from "./glob-files.ts";
import { UsageError } from "../../errors.ts";
import type { OtelTraceReplayConfig } from "../config/otel-replay-schema.ts";
import { buildReplayGraph, markToolInternal } from "./otel-replay-graph.ts";
import { rawCallsOf, type OtelSpan } from "./otel-raw-calls.ts";
import { otelToolRequest } from "./tool-call-replay.ts";
import { pythonRandom, pythonShuffle } from "./python-random.ts";
import type { ReplayGraph } from "./replay-graph.ts";

export interface ReplaySessionSpec {
  sessionId: string;
  /** The trace file (0.7.0's `file_path` in per-session reports). */
  sourceId: string;
  /** null: nothing to replay (no LLM calls); skipped. */
  graph: ReplayGraph | null;
  /** Prefix of unique messages (`[SESS:<it>] `) when random session ids are injected, else null. */
  randomString: string | null;
}

export interface ReplayCorpus {
  sessions: ReplaySessionSpec[];
  warnings: string[];
  describe: string;
}

const BLOCK = "data.otel_trace_replay";

function traceFiles(c: OtelTraceReplayConfig): string[] {
  if (c.trace_directory !== null) {
    let names: string[];
    try {
      if (!statSync(c.trace_directory).isDirectory()) throw new UsageError(`${BLOCK}.trace_directory: ${c.trace_directory} is not a directory`, "point it at a directory of OTel JSON trace files");
      names = readdirSync(c.trace_directory).filter((n) => n.endsWith(".json")).sort();
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${BLOCK}.trace_directory: ${c.trace_directory} does not exist`, "point it at a directory of OTel JSON trace files");
    }
    if (names.length === 0) throw new UsageError(`${BLOCK}.trace_directory: no .json files in ${c.trace_directory}`, "put the OTel trace files (one JSON per trace) there");
    return names.map((n) => join(c.trace_directory!, n));
  }
  const files = new Set<string>();
  for (const p of c.trace_files ?? []) {
    if (/[*?]/.test(p)) {
      for (const m of globFiles(p)) if (statSync(m).isFile()) files.add(m);
    } else if (fileExists(p)) files.add(p);
    else throw new UsageError(`${BLOCK}.trace_files: ${p} does not exist`, "fix the path (relative paths are read from the directory kneepoint runs in)");
  }
  const list = [...files].sort();
  if (list.length === 0) throw new UsageError(`${BLOCK}.trace_files: no file matches ${JSON.stringify(c.trace_files)}`, "fix the paths or patterns");
  for (const f of list) if (!f.endsWith(".json")) throw new UsageError(`${BLOCK}.trace_files: ${f} is not a .json file`, "OTel trace files are JSON");
  return list;
}

function fileExists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** One trace record: 0.7.0's dataset row. */
export interface TraceRow {
  /** Null or "": the session is named `session_<slot>`. */
  sessionId: string | null;
  /** Null: the session's own id stands for it (a Hub record without source_id). */
  sourceId: string | null;
  spans: OtelSpan[];
  /** The record a `filter` sees (local files: 0.7.0's `_normalize_file_trace`). */
  record: Record<string, unknown>;
}

function readTrace(file: string, skipInvalid: boolean, warnings: string[]): TraceRow | null {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    if (skipInvalid) {
      warnings.push(`${file}: not readable as JSON, skipped (skip_invalid_files)`);
      return null;
    }
    throw new UsageError(`${BLOCK}: cannot read ${file} as JSON: ${(err as Error).message}`, "fix the file, or set skip_invalid_files: true to leave it out");
  }
  if (!Array.isArray(data.spans)) throw new UsageError(`${BLOCK}: ${file} has no "spans" list`, "an OTel trace file is {trace_id, spans: [...]}");
  const record = normalizedFileTrace(data, file);
  return { sessionId: record.session_id as string | null, sourceId: file, spans: data.spans as OtelSpan[], record };
}

/** 0.7.0 `_normalize_file_trace`: a local file's record with the Hub records' fields (what a filter can test). */
function normalizedFileTrace(data: Record<string, unknown>, file: string): Record<string, unknown> {
  const stem = file.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
  const spans = data.spans as OtelSpan[];
  const attr = (s: OtelSpan, k: string) => s.attributes?.[k];
  const tokens = spans.map((s) => Number(attr(s, "gen_ai.usage.input_tokens") ?? 0) + Number(attr(s, "gen_ai.usage.output_tokens") ?? 0));
  return {
    ...data,
    session_id: "session_id" in data ? data.session_id : (data.trace_id as string | undefined) || stem,
    source_id: file,
    harness: "harness" in data ? data.harness : "unknown",
    benchmark: "benchmark" in data ? data.benchmark : "unknown",
    models: "models" in data ? data.models : [...new Set(spans.map((s) => attr(s, "gen_ai.request.model")).filter(Boolean))],
    max_tokens: "max_tokens" in data ? data.max_tokens : Math.max(0, ...tokens),
    total_tokens: "total_tokens" in data ? data.total_tokens : tokens.reduce((a, b) => a + b, 0),
  };
}

/** A Hub dataset record (otel-hub-traces.ts) as a trace row. */
export function hubTraceRow(r: Record<string, unknown>): TraceRow {
  const str = (v: unknown) => (typeof v === "string" ? v : v === null || v === undefined ? null : String(v));
  return { sessionId: str(r.session_id), sourceId: str(r.source_id) || null, spans: Array.isArray(r.spans) ? (r.spans as OtelSpan[]) : [], record: r };
}

function graphOf(row: TraceRow, sourceId: string, c: OtelTraceReplayConfig): ReplayGraph | null {
  let graph: ReplayGraph;
  try {
    if (row.spans.length === 0) return null;
    const calls = rawCallsOf(row.spans, c.include_errors);
    if (calls.length === 0) return null;
    graph = buildReplayGraph(calls, sourceId);
    markToolInternal(graph, row.spans);
  } catch (err) {
    throw new UsageError(`${BLOCK}: ${sourceId}: ${(err as Error).message}`, "fix the trace file, or leave it out");
  }
  const options = { overrideToolCallMaxTokens: c.override_tool_call_max_tokens, toolChoiceMode: c.tool_choice_mode };
  for (const e of graph.events) {
    const tr = otelToolRequest(e.call, options);
    if (tr) e.call.toolRequest = tr;
  }
  if (c.bad_tool_call_handling === "use_recorded" && graph.events.some((e) => e.call.expectedOutputIsToolCall)) {
    throw new UsageError(`${BLOCK}.bad_tool_call_handling use_recorded is not supported yet by kneepoint run (${sourceId} has recorded tool calls)`, "remove it (none): kneepoint does not substitute recorded tool calls for malformed live ones yet");
  }
  return graph;
}

/** Hex string from the seeded generator: 0.7.0 draws uuid4().hex[:16]; kneepoint keeps runs reproducible. */
function randomHex(rng: ReturnType<typeof pythonRandom>): string {
  return [rng.getrandbits32(), rng.getrandbits32()].map((n) => n.toString(16).padStart(8, "0")).join("");
}

/** The sessions of local trace files (trace_directory / trace_files). */
export function readOtelCorpus(c: OtelTraceReplayConfig, baseSeed: number, keep?: (record: Record<string, unknown>, index: number) => boolean): ReplayCorpus {
  const warnings: string[] = [];
  const rows = traceFiles(c).map((f) => readTrace(f, c.skip_invalid_files, warnings)).filter((r): r is TraceRow => r !== null);
  if (rows.length === 0) throw new UsageError(`${BLOCK}: no trace could be read`, "check the trace files");
  return corpusOf(rows, c, baseSeed, "trace file(s)", warnings, keep);
}

/**
 * The sessions of trace rows (0.7.0 `OTelTraceReplayDataGenerator.__init__`): `keep` (the filter) applied, the rows
 * shuffled, named, duplicated; each row's graph built once.
 */
export function corpusOf(all: TraceRow[], c: OtelTraceReplayConfig, baseSeed: number, what: string, warnings: string[], keep?: (record: Record<string, unknown>, index: number) => boolean): ReplayCorpus {
  const rows = keep ? all.filter((r, i) => keep(r.record, i)) : all;
  if (keep) warnings.push(`${BLOCK}.filter kept ${rows.length} of ${all.length} trace(s)`);
  if (rows.length === 0) throw new UsageError(`${BLOCK}: no trace left to replay${keep ? ` (filter kept none of ${all.length})` : ""}`, keep ? "loosen the filter" : "check the trace source");
  const order = rows.map((_, i) => i);
  pythonShuffle(pythonRandom(baseSeed), order);
  const base = order.map((row, slot) => ({ id: `trace${slot}_${rows[row]!.sessionId || `session_${slot}`}`, row: rows[row]! }));
  const all2 = [...base.map((b) => ({ ...b, dup: false }))];
  const target = c.duplicate_sessions_target;
  for (let k = 1; target !== null && all2.length < target; k++) {
    const src = base[(k - 1) % base.length]!;
    all2.push({ id: `${src.id}_dup${k}`, row: src.row, dup: true });
  }
  const rng = pythonRandom(baseSeed + 1);
  const graphs = new Map<TraceRow, ReplayGraph | null>();
  const sessions = all2.map(({ id, row, dup }) => {
    // 0.7.0: source_id, or the session's own id when the record has none
    const sourceId = row.sourceId || id;
    // a row without source_id gives each of its sessions a graph named for that session
    const graph = row.sourceId === null ? graphOf(row, sourceId, c) : graphs.has(row) ? graphs.get(row)! : graphs.set(row, graphOf(row, sourceId, c)).get(row)!;
    return { sessionId: id, sourceId, graph, randomString: c.inject_random_session_id || dup ? randomHex(rng) : null };
  });
  const skipped = sessions.filter((s) => s.graph === null);
  if (skipped.length) warnings.push(`${skipped.length} trace(s) have no LLM call to replay and are skipped, as inference-perf 0.7.0 skips them (unreported): ${skipped.map((s) => s.sourceId).join(", ")}`);
  const events = sessions.reduce((n, s) => n + (s.graph?.events.length ?? 0), 0);
  return { sessions, warnings, describe: `otel_trace_replay: ${rows.length} ${what}, ${sessions.length} session(s), ${events} LLM calls` };
}
