/**
 * per_request_lifecycle_metrics.json and kneepoint_per_request.json written as the requests complete, one entry at
 * a time, so a run that asks for them (report.request_lifecycle.per_request) never holds its records: the bytes
 * are exactly those the whole-file serialization writes (storage/report-file.ts `serializeReportFile`, Python's
 * json.dumps for inference-perf's file, JSON.stringify for kneepoint's), indented for local storage or compact
 * for a bucket object. Each file is written to `<path>.<pid>.tmp` and renamed over `<path>` when closed, so a
 * crash leaves no half JSON under the report's name (as write-file-atomically.ts).
 *
 * `jsonArrayItemText` / `jsonArrayEndText` are the pure part; `openJsonArrayFile` the effect;
 * `openPerRequestFiles` both files of a run, fed one ScenarioRecord at a time.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { ScenarioRecord } from "../types.ts";
import { KNEEPOINT_PER_REQUEST_FILE } from "./build-lifecycle-files.ts";
import { PerRequestDigest } from "./per-request-digest.ts";
import { buildKneepointRequestEntry, buildPerRequestEntry, perRequestNumberType, perRequestOptionsOf } from "./per-request-entries.ts";
import { pythonJsonDumps, type NumberTypeOf } from "./python-json.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";

export type JsonFileStyle = "indented" | "compact";

/** How a file's JSON is written: Python's json.dumps with these number types, or JSON.stringify when absent. */
export interface JsonArrayFormat {
  style: JsonFileStyle;
  numberType?: NumberTypeOf;
}

/** The text of the `index`-th element of a top-level array, with what goes before it (the opening or a separator). */
export function jsonArrayItemText(entry: unknown, index: number, f: JsonArrayFormat): string {
  const indented = f.style === "indented";
  let text: string;
  if (f.numberType) {
    const numberType = f.numberType;
    text = pythonJsonDumps(entry, { numberType: (path, v) => numberType([index, ...path], v), ...(indented ? { indent: 2 } : {}) });
  } else {
    text = JSON.stringify(entry, null, indented ? 2 : undefined);
  }
  // Strings are escaped in both serializers, so every newline is structural: one level deeper inside the array.
  if (indented) return (index === 0 ? "[\n  " : ",\n  ") + text.replace(/\n/g, "\n  ");
  return (index === 0 ? "[" : f.numberType ? ", " : ",") + text;
}

/** What closes an array of `count` elements (`[]` when there were none). */
export function jsonArrayEndText(count: number, f: JsonArrayFormat): string {
  if (count === 0) return "[]";
  return f.style === "indented" ? "\n]" : "]";
}

export interface JsonArrayFile {
  readonly path: string;
  append(entry: unknown): Promise<void>;
  /** Ends the array and renames the file into place; returns the number of entries. */
  close(): Promise<number>;
  /** Removes the temporary file (a run that failed before its reports). */
  abort(): Promise<void>;
}

let counter = 0;

export async function openJsonArrayFile(path: string, format: JsonArrayFormat): Promise<JsonArrayFile> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${counter++}.tmp`;
  const stream = createWriteStream(temp);
  await once(stream, "open");
  let count = 0;
  let failed: Error | null = null;
  stream.on("error", (err) => (failed = err));
  const write = async (text: string) => {
    if (failed) throw failed;
    if (!stream.write(text)) {
      // Whichever comes first; the other listener is removed (one left behind per full buffer would pile up).
      const settled = new AbortController();
      try {
        await Promise.race([once(stream, "drain", { signal: settled.signal }), once(stream, "error", { signal: settled.signal })]);
      } finally {
        settled.abort();
      }
    }
    if (failed) throw failed;
  };
  return {
    path,
    async append(entry) {
      await write(jsonArrayItemText(entry, count, format));
      count++;
    },
    async close() {
      await write(jsonArrayEndText(count, format));
      stream.end();
      await once(stream, "finish");
      await rename(temp, path);
      return count;
    },
    async abort() {
      stream.destroy();
      await rm(temp, { force: true });
    },
  };
}

/** What a closed pair of per-request files leaves for the reports: their paths and validation's digest. */
export interface StreamedPerRequest {
  files: string[];
  /** per_request_lifecycle_metrics.json's validation findings (per-request-digest.ts); digest.count = entries. */
  digest: PerRequestDigest;
}

export interface PerRequestFiles {
  /** Appends one reported request (stage ≥ 0; others are skipped) to both files, in the order given. */
  append(rec: ScenarioRecord): Promise<void>;
  close(): Promise<StreamedPerRequest>;
  abort(): Promise<void>;
}

/**
 * Both per-request files of a run at `{dir}/{prefix}per_request_lifecycle_metrics.json` and
 * `{dir}/{prefix}kneepoint_per_request.json`. `opts` must already hold the run's countTokens for every record
 * appended (the client output counts and re-tokenized times are computed when the entry is written).
 */
export async function openPerRequestFiles(target: { dir: string; prefix: string | null; style: JsonFileStyle }, opts: ScenarioReportOptions): Promise<PerRequestFiles> {
  const at = (name: string) => `${target.dir}/${target.prefix ?? ""}${name}.json`;
  const entryOpts = perRequestOptionsOf(opts);
  const ip = await openJsonArrayFile(at("per_request_lifecycle_metrics"), { style: target.style, numberType: perRequestNumberType });
  let kp: JsonArrayFile;
  try {
    kp = await openJsonArrayFile(at(KNEEPOINT_PER_REQUEST_FILE), { style: target.style });
  } catch (err) {
    await ip.abort();
    throw err;
  }
  const digest = new PerRequestDigest();
  return {
    async append(rec) {
      if (rec.stage < 0) return;
      const entry = buildPerRequestEntry(rec, entryOpts);
      digest.add(entry);
      await ip.append(entry);
      await kp.append(buildKneepointRequestEntry(rec, entryOpts.kneepoint));
    },
    async close() {
      await ip.close();
      await kp.close();
      return { files: [ip.path, kp.path], digest };
    },
    async abort() {
      await Promise.all([ip.abort(), kp.abort()]);
    },
  };
}
