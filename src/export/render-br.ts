/**
 * Benchmark Report documents as text. The schema's root is one report, so several (one per step or stage) are a
 * YAML stream (`---` between documents; `yaml.safe_load_all` reads it) or, for JSON, an array; one is a plain
 * document either way. JSON when the output file ends in .json, YAML otherwise. Pure.
 */
import { stringify } from "yaml";
import type { BrDocument } from "./br-document.ts";

export type BrFormat = "yaml" | "json";

export function brFormatFor(outFile: string | undefined): BrFormat {
  return outFile !== undefined && /\.json$/i.test(outFile) ? "json" : "yaml";
}

export function renderBr(docs: readonly BrDocument[], format: BrFormat): string {
  if (format === "json") return JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2) + "\n";
  return docs.map((d) => stringify(d, { aliasDuplicateObjects: false, lineWidth: 0 })).join("---\n");
}
