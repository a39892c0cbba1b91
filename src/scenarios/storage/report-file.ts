/**
 * One report file before it is stored: a JSON document or a text (the effective config YAML). Names follow
 * inference-perf's ReportFile: `<name>.json` / `<name>.yaml`; every sink stores `{path}/{prefix}<name>.<ext>`
 * (kubernetes-sigs/inference-perf inference_perf/client/filestorage/{local,s3,gcs}.py).
 * Local files are indented by 2 (inference-perf `json.dumps(…, indent=2)`); bucket objects are compact
 * (`json.dumps(…)`), as there.
 */
export type ReportFile = { name: string; kind: "json"; contents: unknown } | { name: string; kind: "yaml"; text: string };

export function reportFileName(file: ReportFile): string {
  return `${file.name}.${file.kind}`;
}

export function contentType(file: ReportFile): string {
  return file.kind === "json" ? "application/json" : "text/yaml";
}

export function serializeReportFile(file: ReportFile, style: "indented" | "compact"): string {
  if (file.kind === "yaml") return file.text;
  return JSON.stringify(file.contents, null, style === "indented" ? 2 : undefined);
}

/** `{path}/{prefix}{file}` without a leading slash (an object key; S3 strips it, and GCS needs no empty segment). */
export function objectKey(path: string | null, prefix: string | null, fileName: string): string {
  return `${path ?? ""}/${prefix ?? ""}${fileName}`.replace(/^\/+/, "");
}
