/**
 * Reads the Weka traces of `data.weka_trace_replay` as inference-perf 0.7.0 does (`_load_weka_traces`):
 *   - trace_directory: every `*.json` in it (one trace per file), sorted by name;
 *   - trace_files: those files, in the order given;
 *   - hf_dataset_path: `traces.jsonl` of that Hugging Face dataset (its `path` when a mapping; the revision is
 *     main, as 0.7.0's hf_hub_download), one trace per line, the first num_dataset_entries of them; downloaded
 *     through kneepoint's Hub client (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the shared cache, progress).
 * A trace that is not JSON or not a Weka trace fails the run naming the file (or line) and the field, unless
 * skip_invalid_files leaves it out with a warning; two traces with one id fail the run.
 * `filter` (the safe Python-lambda subset of trace-filter.ts) sees each trace's JSON plus 0.7.0's derived
 * aggregates (`_augment_for_filter`): max_tokens (the largest in + out of one request), total_tokens, and
 * num_turns, counted over the requests with each sub-agent's flattened in. It runs before the trace is checked, as
 * in 0.7.0; a trace it rejects does not count towards num_dataset_entries; one it cannot be applied to stops the
 * run whatever skip_invalid_files says (a config error, not bad data).
 */
import { createReadStream, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { UsageError } from "../../errors.ts";
import { downloadHubFile, type HubDownloadOptions } from "../../hub/hub-download.ts";
import type { WekaTraceReplayConfig } from "../config/weka-replay-schema.ts";
import { compileTraceFilter, isDict } from "./trace-filter.ts";
import { InvalidWekaTraceError, parseWekaTrace, type WekaTrace } from "./weka-trace-format.ts";

export const WEKA_BLOCK = "data.weka_trace_replay";

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

function directoryFiles(dir: string): string[] {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`${WEKA_BLOCK}.trace_directory: ${dir} does not exist or is not a directory`, "point it at a directory of Weka trace .json files");
  const names = readdirSync(dir).filter((n) => n.endsWith(".json")).sort();
  if (names.length === 0) throw new UsageError(`${WEKA_BLOCK}.trace_directory: no .json files in ${dir}`, "put the Weka traces there, one JSON file per trace");
  return names.map((n) => join(dir, n));
}


/** 0.7.0 `_augment_for_filter`: the trace with max_tokens, total_tokens and num_turns over its flattened requests. */
export function augmentForFilter(blob: unknown): Record<string, unknown> {
  if (!isDict(blob)) throw new InvalidWekaTraceError("a trace is a JSON object");
  const flat: Record<string, unknown>[] = [];
  for (const entry of Array.isArray(blob.requests) ? blob.requests : []) {
    if (!isDict(entry)) continue;
    if (entry.type === "subagent") flat.push(...(Array.isArray(entry.requests) ? entry.requests : []).filter(isDict));
    else flat.push(entry);
  }
  const tokens = flat.map((r) => {
    const [i, o] = [r.in || 0, r.out || 0]; // Python's `r.get("in") or 0`
    if (typeof i !== "number" || typeof o !== "number") throw new InvalidWekaTraceError(`a request's in and out are numbers (found ${JSON.stringify(r.in)}, ${JSON.stringify(r.out)})`);
    return i + o;
  });
  return { ...blob, max_tokens: tokens.reduce((a, b) => Math.max(a, b), tokens[0] ?? 0), total_tokens: tokens.reduce((a, b) => a + b, 0), num_turns: flat.length };
}

interface Reader {
  skipInvalid: boolean;
  keep: ReturnType<typeof compileTraceFilter>;
  warnings: string[];
  /** Traces the filter has seen. */
  scanned: number;
}

/** One trace; null when the filter rejects it, or when it is invalid and skip_invalid_files is on. */
function traceOf(text: string, where: string, r: Reader): WekaTrace | null {
  let blob: unknown;
  try {
    blob = JSON.parse(text);
    if (r.keep) {
      const augmented = augmentForFilter(blob);
      if (!r.keep(augmented, r.scanned++)) return null; // its own errors (UsageError) are not bad data: they pass through
    }
    return parseWekaTrace(blob);
  } catch (err) {
    if (!(err instanceof InvalidWekaTraceError) && !(err instanceof SyntaxError)) throw err;
    const what = err instanceof InvalidWekaTraceError ? `is not a Weka trace: ${err.message}` : `is not JSON: ${(err as Error).message}`;
    if (r.skipInvalid) {
      r.warnings.push(`${where} ${what}; skipped (skip_invalid_files)`);
      return null;
    }
    throw new UsageError(`${WEKA_BLOCK}: ${where} ${what}`, "fix the trace, or set skip_invalid_files: true to leave it out");
  }
}

async function hubTraces(c: WekaTraceReplayConfig, hub: HubDownloadOptions, r: Reader): Promise<WekaTrace[]> {
  const id = typeof c.hf_dataset_path === "string" ? c.hf_dataset_path : String(c.hf_dataset_path!.path);
  const file = await downloadHubFile({ repo: { type: "dataset", id }, file: "traces.jsonl" }, hub);
  const out: WekaTrace[] = [];
  const lines = createInterface({ input: createReadStream(file.path, "utf8"), crlfDelay: Infinity });
  let index = 0;
  try {
    for await (const line of lines) {
      if (out.length >= c.num_dataset_entries) break;
      if (line.trim()) {
        const t = traceOf(line, `${id} traces.jsonl line ${index + 1}`, r);
        if (t) out.push(t);
      }
      index++;
    }
  } finally {
    lines.close();
  }
  return out;
}

export async function readWekaTraces(c: WekaTraceReplayConfig, hub: HubDownloadOptions, warnings: string[]): Promise<WekaTrace[]> {
  const keep = compileTraceFilter(c.filter, { field: `${WEKA_BLOCK}.filter`, describe: (t) => `the trace with id ${JSON.stringify(t.id ?? null)}` });
  const reader: Reader = { skipInvalid: c.skip_invalid_files, keep, warnings, scanned: 0 };
  let traces: WekaTrace[];
  if (c.hf_dataset_path !== null) traces = await hubTraces(c, hub, reader);
  else {
    const files = c.trace_directory !== null ? directoryFiles(c.trace_directory) : c.trace_files!;
    for (const f of files) {
      if (!isFile(f)) throw new UsageError(`${WEKA_BLOCK}.trace_files: ${f} does not exist or is not a file`, "fix the path (relative paths are read from the directory kneepoint runs in)");
    }
    traces = files.map((f) => traceOf(readFileSync(f, "utf8"), f, reader)).filter((t): t is WekaTrace => t !== null);
  }
  if (keep) {
    warnings.push(`${WEKA_BLOCK}.filter kept ${traces.length} of ${reader.scanned} trace(s) scanned`);
    if (traces.length === 0) throw new UsageError(`${WEKA_BLOCK}: no trace left to replay (the filter kept none of ${reader.scanned})`, "loosen the filter");
  }
  const seen = new Set<string>();
  for (const t of traces) {
    if (seen.has(t.id)) throw new UsageError(`${WEKA_BLOCK}: two traces have the id ${JSON.stringify(t.id)}`, "give every trace its own id, or leave one out");
    seen.add(t.id);
  }
  return traces;
}
