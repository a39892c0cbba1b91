/**
 * Where a dataset's records come from, in the order `datasets` streams them:
 *   data.path set: that .json file, or the .json files of that directory in name order (0.7.0 lists the directory
 *     but then opens the bare names relative to its working directory; kneepoint opens them in the directory);
 *   shareGPT without data.path: the Hub file anon8231489123/ShareGPT_Vicuna_unfiltered
 *     ShareGPT_V3_unfiltered_cleaned_split.json (hf_sharegpt_datagen.py);
 *   cnn_dailymail without data.path: the Hub dataset abisee/cnn_dailymail, config 3.0.0, split train — the files
 *     its dataset card's YAML `configs` names for that split (e.g. 3.0.0/train-*), from the Hub's file list,
 *     downloaded one at a time as the records are needed.
 * billsum_conversations and infinity_instruct have no Hub default in 0.7.0: data.path is required.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../errors.ts";
import { downloadHubFile, type DownloadProgress } from "../../hub/hub-download.ts";
import type { HubRepo } from "../../hub/hub-cache.ts";
import { listRepoFiles } from "../../hub/hub-tree.ts";
import type { HubSettings } from "../../hub/hub-settings.ts";
import type { HubDatasetType } from "./hub-dataset-rows.ts";
import { readJsonRecords, readParquetRecords } from "./hub-records.ts";

export const SHAREGPT_HUB = { repo: { type: "dataset", id: "anon8231489123/ShareGPT_Vicuna_unfiltered" } as HubRepo, file: "ShareGPT_V3_unfiltered_cleaned_split.json" };
export const CNN_DAILYMAIL_HUB = { repo: { type: "dataset", id: "abisee/cnn_dailymail" } as HubRepo, config: "3.0.0", split: "train" };

export interface HubAccess {
  settings: HubSettings;
  onProgress?: (p: DownloadProgress) => void;
}

export interface RecordStream {
  /** Where the records come from, for the run's description. */
  label: string;
  records: () => AsyncGenerator<unknown>;
}

const COLUMNS: Record<HubDatasetType, string[]> = {
  shareGPT: ["conversations"],
  cnn_dailymail: ["article", "highlights"],
  billsum_conversations: ["conversations"],
  infinity_instruct: ["conversations"],
};

function recordsOfFile(path: string, type: HubDatasetType): AsyncGenerator<unknown> {
  return path.endsWith(".parquet") ? readParquetRecords(path, COLUMNS[type]) : readJsonRecords(path);
}

function localFiles(path: string): string[] {
  if (!existsSync(path)) throw new UsageError(`data.path: ${path} does not exist`, "set data.path to a .json file (a JSON list or JSON Lines) or a directory of them");
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path).filter((f) => f.endsWith(".json")).sort();
    if (files.length === 0) throw new UsageError(`data.path: ${path} holds no .json file`, "put the dataset's .json files there, or point data.path at one");
    return files.map((f) => join(path, f));
  }
  if (!path.endsWith(".json")) throw new UsageError(`data.path: ${path} is not a .json file`, "inference-perf reads .json files (a JSON list or JSON Lines) or a directory of them; rename or convert it");
  return [path];
}

/** fsspec-style glob: `*` and `?` stay within one path segment, `**` crosses them. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The data_files patterns of `config`'s `split` in a dataset card's YAML front matter. */
export function splitPatterns(readme: string, config: string, split: string): string[] {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  const meta = m ? (parseYaml(m[1]!) as { configs?: unknown }) : null;
  const configs = Array.isArray(meta?.configs) ? (meta.configs as Array<{ config_name?: unknown; data_files?: unknown }>) : [];
  const files = configs.find((c) => c.config_name === config)?.data_files;
  const list = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  if (typeof files === "string" || (Array.isArray(files) && files.every((f) => typeof f === "string"))) return split === "train" ? list(files) : [];
  if (!Array.isArray(files)) return [];
  return (files as Array<{ split?: unknown; path?: unknown }>).filter((f) => f?.split === split).flatMap((f) => list(f.path));
}

async function cnnDailyMailFiles(access: HubAccess): Promise<{ commit: string; files: string[] }> {
  const { repo, config, split } = CNN_DAILYMAIL_HUB;
  const readme = await downloadHubFile({ repo, file: "README.md" }, access);
  const patterns = splitPatterns(await readFile(readme.path, "utf8"), config, split);
  if (patterns.length === 0) throw new UsageError(`${repo.id}: its README.md names no data files for config ${config}, split ${split}`, "set data.path to a local copy of the dataset (.json)");
  const folders = [...new Set(patterns.map((p) => p.split("/").slice(0, p.split("/").findIndex((s) => /[*?[]/.test(s))).join("/")))];
  const all = (await Promise.all(folders.map((f) => listRepoFiles(repo, readme.commit, f, access.settings)))).flat();
  const matchers = patterns.map(globToRegExp);
  const files = [...new Set(all.filter((f) => matchers.some((m) => m.test(f))))].sort();
  if (files.length === 0) throw new UsageError(`${repo.id}: no file matches ${patterns.join(", ")} (config ${config}, split ${split})`, "set data.path to a local copy of the dataset (.json)");
  return { commit: readme.commit, files };
}

export function recordStream(type: HubDatasetType, path: string | null, access: HubAccess): RecordStream {
  if (path !== null) {
    const files = localFiles(path);
    return {
      label: path,
      records: async function* () {
        for (const f of files) yield* recordsOfFile(f, type);
      },
    };
  }
  if (type === "shareGPT") {
    return {
      label: `${SHAREGPT_HUB.repo.id}/${SHAREGPT_HUB.file} (Hugging Face Hub)`,
      records: async function* () {
        yield* readJsonRecords((await downloadHubFile(SHAREGPT_HUB, access)).path);
      },
    };
  }
  if (type === "cnn_dailymail") {
    return {
      label: `${CNN_DAILYMAIL_HUB.repo.id} ${CNN_DAILYMAIL_HUB.config} ${CNN_DAILYMAIL_HUB.split} (Hugging Face Hub)`,
      records: async function* () {
        const { commit, files } = await cnnDailyMailFiles(access);
        for (const file of files) yield* recordsOfFile((await downloadHubFile({ repo: CNN_DAILYMAIL_HUB.repo, revision: commit, file }, access)).path, type);
      },
    };
  }
  throw new UsageError(`data.type ${type} needs data.path (inference-perf 0.7.0 has no Hub default for it)`, `set data.path to the ${type} .json file or a directory of them`);
}
