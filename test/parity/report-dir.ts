/** A report directory read for comparison: its file names and its JSON and YAML documents as RawJson. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseRawJson, type RawJson } from "./raw-json.ts";
import { parseRawYaml } from "./raw-yaml.ts";

export interface ReportDir {
  dir: string;
  files: string[];
  documents: Map<string, RawJson>;
  /** Files that did not parse, with why. */
  unreadable: Map<string, string>;
}

export function readReportDir(dir: string): ReportDir {
  const files = readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isFile())
    .sort();
  const documents = new Map<string, RawJson>();
  const unreadable = new Map<string, string>();
  for (const name of files) {
    const parse = name.endsWith(".json") ? parseRawJson : name.endsWith(".yaml") || name.endsWith(".yml") ? parseRawYaml : undefined;
    if (!parse) continue;
    try {
      documents.set(name, parse(readFileSync(join(dir, name), "utf8")));
    } catch (err) {
      unreadable.set(name, (err as Error).message);
    }
  }
  return { dir, files, documents, unreadable };
}
