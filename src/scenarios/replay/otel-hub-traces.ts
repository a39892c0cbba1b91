/**
 * `data.otel_trace_replay.hf_dataset_path`: trace records from a Hugging Face dataset, as inference-perf 0.7.0 reads
 * them (otel_trace_replay_datagen.py `_download_hf_dataset`: `datasets.load_dataset(path, split=…, **kwargs)`):
 *   - a string is the dataset id; a dict is {path, split (default "train"), name, revision, data_files, data_dir}
 *     (0.7.0 passes any other key to load_dataset: kneepoint refuses the ones it does not know, by name);
 *   - the split's files are those the dataset card's YAML `configs` names for config `name` ("default"), else
 *     `datasets`' default layout: files in a folder named for a split (train/, data/train-…/), else files named for
 *     one (train.jsonl, otel-test.jsonl), else every data file is the train split; `data_dir` and `data_files`
 *     narrow them as in load_dataset. Files in path order, records in file order;
 *   - each record is one trace: its `spans` list, `session_id` (a missing one makes the session `session_<slot>`)
 *     and `source_id` (the session's file_path in reports; missing: the session's id). A column missing from some
 *     records is null in those, as in the dataset's Arrow table.
 * JSON / JSON Lines files (`datasets`' json builder) or parquet files (its parquet builder: the files `push_to_hub`
 * writes; nested spans and JSON-typed columns decoded, 64-bit integers as numbers) are read; a split mixing the two,
 * or holding other formats, is refused by name.
 */
import { readFile } from "node:fs/promises";
import { UsageError } from "../../errors.ts";
import type { HubRepo } from "../../hub/hub-cache.ts";
import { downloadHubFile, downloadOptionalHubFile } from "../../hub/hub-download.ts";
import { listRepoFiles } from "../../hub/hub-tree.ts";
import { globToRegExp, splitPatterns, type HubAccess } from "../data/hub-dataset-files.ts";
import { readJsonRecords, readParquetRecords } from "../data/hub-records.ts";

const FIELD = "data.otel_trace_replay.hf_dataset_path";
const KEYS = ["path", "split", "name", "revision", "data_files", "data_dir", "filter"];

export interface HubTraceDataset {
  repo: HubRepo;
  split: string;
  config: string;
  revision: string;
  dataFiles: string[] | null;
  dataDir: string | null;
  warnings: string[];
}

const strings = (v: unknown): string[] | null => (typeof v === "string" ? [v] : Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null);

export function hubTraceDataset(v: string | Record<string, unknown>): HubTraceDataset {
  const d: Record<string, unknown> = typeof v === "string" ? { path: v } : v;
  if (typeof d.path !== "string" || d.path === "") throw new UsageError(`${FIELD}.path: is required (the dataset id, e.g. lenadan/otel-test-snippet-jsonl)`, `write hf_dataset_path: <owner>/<dataset>, or {path: <owner>/<dataset>, split: train}`);
  const unknown = Object.keys(d).filter((k) => !KEYS.includes(k));
  if (unknown.length) throw new UsageError(`${FIELD}: ${unknown.join(", ")} not supported by kneepoint (inference-perf passes it to datasets.load_dataset)`, `use only ${KEYS.filter((k) => k !== "filter").join(", ")}`);
  for (const k of ["split", "name", "revision", "data_dir"]) {
    if (d[k] !== undefined && d[k] !== null && typeof d[k] !== "string") throw new UsageError(`${FIELD}.${k}: must be a string`, `e.g. ${k}: ${k === "split" ? "train" : k === "revision" ? "main" : "default"}`);
  }
  let dataFiles: string[] | null = null;
  if (d.data_files !== undefined && d.data_files !== null) {
    const split = String(d.split ?? "train");
    const raw = d.data_files !== null && typeof d.data_files === "object" && !Array.isArray(d.data_files) ? (d.data_files as Record<string, unknown>)[split] : d.data_files;
    dataFiles = strings(raw);
    if (dataFiles === null) throw new UsageError(`${FIELD}.data_files: must be a pattern, a list of them, or {<split>: patterns} with the split ${split}`, "e.g. data_files: data/*.jsonl");
  }
  return {
    repo: { type: "dataset", id: d.path },
    split: (d.split as string | undefined) ?? "train",
    config: (d.name as string | undefined) ?? "default",
    revision: (d.revision as string | undefined) ?? "main",
    dataFiles,
    dataDir: ((d.data_dir as string | undefined) ?? "").replace(/^\/+|\/+$/g, "") || null,
    warnings: d.filter !== undefined ? [`${FIELD}.filter is ignored, as inference-perf 0.7.0 ignores it: use data.otel_trace_replay.filter`] : [],
  };
}

const SPLITS: Record<string, string[]> = { train: ["train", "training"], validation: ["validation", "valid", "dev", "val"], test: ["test", "testing", "eval", "evaluation"] };
const SEP = "[-._ 0-9]";
const inDir = (kw: string) => new RegExp(`(^|/)(${kw}|${kw}${SEP}[^/]*|[^/]*${SEP}${kw})/`);
const inName = (kw: string) => new RegExp(`(^|/)(${kw}${SEP}[^/]*|[^/]*${SEP}${kw}${SEP}[^/]*)$`);
const DATA_EXT = /\.(json|jsonl|parquet|csv|tsv|txt|arrow)$/i;

/** `datasets`' default layout (data_files.py): split folders, else split file names, else everything is train. */
export function defaultSplitFiles(files: readonly string[], split: string): string[] | null {
  const data = files.filter((f) => DATA_EXT.test(f) && !f.split("/").some((p) => p.startsWith(".") || p.startsWith("__")));
  for (const matcher of [inDir, inName]) {
    const bySplit = Object.fromEntries(Object.entries(SPLITS).map(([s, kws]) => [s, data.filter((f) => kws.some((k) => matcher(k).test(f)))]));
    if (Object.values(bySplit).some((l) => l.length > 0)) return bySplit[split]?.length ? bySplit[split]! : null;
  }
  return split === "train" && data.length > 0 ? data : null;
}

function hasConfig(readme: string, config: string): boolean {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  return m !== null && new RegExp(`config_name:\\s*["']?${config.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']?\\s*$`, "m").test(m[1]!);
}

async function splitFiles(ds: HubTraceDataset, access: HubAccess): Promise<{ commit: string; files: string[] }> {
  const readmeFile = await downloadOptionalHubFile({ repo: ds.repo, revision: ds.revision, file: "README.md" }, access);
  const commit = readmeFile?.commit ?? ds.revision;
  const readme = readmeFile ? await readFile(readmeFile.path, "utf8") : "";
  const under = ds.dataDir ? `${ds.dataDir}/` : "";
  const all = (await listRepoFiles(ds.repo, commit, ds.dataDir ?? "", access.settings)).map((f) => f.slice(under.length));
  let files: string[] | null;
  let how: string;
  if (ds.dataFiles !== null) {
    const m = ds.dataFiles.map(globToRegExp);
    files = all.filter((f) => m.some((r) => r.test(f)));
    how = `data_files ${ds.dataFiles.join(", ")}`;
  } else if (hasConfig(readme, ds.config)) {
    const m = splitPatterns(readme, ds.config, ds.split).map(globToRegExp);
    files = all.filter((f) => m.some((r) => r.test(f)));
    how = `the README's config ${ds.config}`;
  } else {
    if (ds.config !== "default") throw new UsageError(`${FIELD}.name: ${ds.repo.id} has no config ${ds.config} in its README`, "remove name, or use a config its dataset card lists");
    files = defaultSplitFiles(all, ds.split);
    how = "the default file layout";
  }
  if (!files || files.length === 0) throw new UsageError(`${FIELD}: ${ds.repo.id} has no file for split ${ds.split} (${how})`, "check split (default train), data_dir and data_files");
  const unread = files.filter((f) => !/\.(jsonl?|parquet)$/i.test(f));
  if (unread.length) throw new UsageError(`${FIELD}: ${ds.repo.id}: kneepoint reads trace datasets stored as JSON, JSON Lines or parquet; ${unread[0]} is not`, "use a dataset of .json/.jsonl/.parquet trace records, or download it and give the traces as trace_files");
  const parquet = files.filter((f) => /\.parquet$/i.test(f)).length;
  if (parquet > 0 && parquet < files.length) throw new UsageError(`${FIELD}: ${ds.repo.id}: the split ${ds.split} mixes parquet and JSON files`, "narrow it with data_files to one format");
  return { commit, files: files.sort().map((f) => under + f) };
}

/** The split's records, every record an object, columns missing from some records filled with null. */
export async function readHubTraceRecords(ds: HubTraceDataset, access: HubAccess): Promise<Record<string, unknown>[]> {
  const { commit, files } = await splitFiles(ds, access);
  const records: Record<string, unknown>[] = [];
  for (const file of files) {
    const path = (await downloadHubFile({ repo: ds.repo, revision: commit, file }, access)).path;
    for await (const r of /\.parquet$/i.test(file) ? parquetRecords(path) : readJsonRecords(path)) {
      if (r === null || typeof r !== "object" || Array.isArray(r)) throw new UsageError(`${FIELD}: ${ds.repo.id}/${file}: record ${records.length} is not an object`, "each record is one trace: {session_id, source_id, spans: [...]}");
      records.push(r as Record<string, unknown>);
    }
  }
  if (records.length === 0) throw new UsageError(`${FIELD}: no data found in Hugging Face dataset '${ds.repo.id}'`, "check the dataset id and split");
  if (!("spans" in records[0]!)) throw new UsageError(`${FIELD}: dataset '${ds.repo.id}' is missing the required 'spans' field`, "each record is one trace: {session_id, source_id, spans: [...]}");
  const columns = new Set(records.flatMap((r) => Object.keys(r)));
  return records.map((r) => Object.fromEntries([...columns].map((c) => [c, r[c] ?? null])));
}

/** A parquet file's rows, every column, with 64-bit integers (BigInt in hyparquet) as numbers, as Python sees ints. */
async function* parquetRecords(path: string): AsyncGenerator<unknown> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } = await import("hyparquet");
  let columns: string[];
  try {
    columns = parquetSchema(await parquetMetadataAsync(await asyncBufferFromFile(path))).children.map((c) => c.element.name);
  } catch (err) {
    throw new UsageError(`${FIELD}: ${path} is not a parquet file: ${(err as Error).message}`, "download it again (delete it from the Hugging Face cache)");
  }
  for await (const r of readParquetRecords(path, columns)) yield plainNumbers(r);
}

function plainNumbers(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(plainNumbers);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainNumbers(x)]));
  return v;
}
