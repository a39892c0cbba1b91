/**
 * One report file before it is stored: a JSON document or a text (the effective config YAML). Names follow
 * inference-perf's ReportFile: `<name>.json` / `<name>.yaml`; every sink stores `{path}/{prefix}<name>.<ext>`
 * (kubernetes-sigs/inference-perf inference_perf/client/filestorage/{local,s3,gcs}.py).
 * Local files are indented by 2 (inference-perf `json.dumps(…, indent=2)`); bucket objects are compact
 * (`json.dumps(…)`), as there. A file written in inference-perf's name says which of its numbers are Python floats
 * (`numberType`) and is serialized as Python's json.dumps (src/scenarios/report/python-json.ts): `3.0`, not `3`.
 */
import { pythonJsonDumps, type NumberTypeOf } from "../report/python-json.ts";
import { yamlAsPythonJson } from "./yaml-as-python-json.ts";

export type ReportFile = { name: string; kind: "json"; contents: unknown; numberType?: NumberTypeOf } | { name: string; kind: "yaml"; text: string };

/** kneepoint's own record of a run beside inference-perf's files (src/scenarios/plan/run-options.ts kneepointRunFile). */
export const KNEEPOINT_RUN_FILE = "kneepoint_run.json";

export function reportFileName(file: ReportFile): string {
  return `${file.name}.${file.kind}`;
}

/** A bucket object's Content-Type: JSON for every file, config.yaml too, as inference-perf uploads them. */
export function contentType(_file: ReportFile): string {
  return "application/json";
}

export function serializeReportFile(file: ReportFile, style: "indented" | "compact"): string {
  // Buckets get config.yaml as JSON, as inference-perf uploads it (yaml-as-python-json.ts).
  if (file.kind === "yaml") return style === "indented" ? file.text : yamlAsPythonJson(file.text);
  if (file.numberType) return pythonJsonDumps(file.contents, { numberType: file.numberType, ...(style === "indented" ? { indent: 2 } : {}) });
  return JSON.stringify(file.contents, null, style === "indented" ? 2 : undefined);
}

/** `{path}/{prefix}{file}` without a leading slash (an object key; S3 strips it, and GCS needs no empty segment). */
export function objectKey(path: string | null, prefix: string | null, fileName: string): string {
  return `${path ?? ""}/${prefix ?? ""}${fileName}`.replace(/^\/+/, "");
}
