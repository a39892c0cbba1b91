/** Reading what `helm template` printed: its objects, and the scenario config the ConfigMap carries. */
import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import { parse, parseAllDocuments } from "yaml";

export interface RenderedChart {
  configMap: V1ConfigMap;
  job: V1Job;
  /** config.yml of the ConfigMap, parsed. */
  config: Record<string, unknown> & { load: { type?: string; stages: Array<Record<string, unknown>> }; server: Record<string, unknown>; tokenizer: Record<string, unknown> };
}

export function readRendered(text: string): RenderedChart {
  const objects = parseAllDocuments(text)
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((o): o is { kind: string } => o !== null && typeof o === "object");
  const kinds = objects.map((o) => o.kind).sort();
  if (kinds.join(",") !== "ConfigMap,Job") throw new Error(`expected a ConfigMap and a Job, got ${kinds.join(", ") || "nothing"}`);
  const configMap = objects.find((o) => o.kind === "ConfigMap") as V1ConfigMap;
  const job = objects.find((o) => o.kind === "Job") as V1Job;
  return { configMap, job, config: parse(configMap.data!["config.yml"]!) as RenderedChart["config"] };
}
