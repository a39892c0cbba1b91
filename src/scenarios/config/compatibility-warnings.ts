/**
 * What kneepoint runs past in a config, with a warning, because one of the pinned inference-perf releases accepts
 * it (research/inference-perf-parity.md items 6, 7): the unknown keys removed before validation (0.2.0 ignores
 * them, 0.7.0's StrictBaseModel refuses them), and values the releases read in a way a reader would not expect.
 * Checked against the raw document (before defaults), so only what the user wrote draws a warning.
 */
import { stringify } from "yaml";
import type { ReportFile } from "../storage/report-file.ts";
import { apiKeyWarnings } from "./api-key-warnings.ts";

type Segment = string | number;

/**
 * The config's warnings in the report directory (`kneepoint_config_warnings.yaml`, kneepoint's own file; written
 * only when there are some), so a report read later says what was run past.
 */
export function configWarningsFile(warnings: readonly string[]): ReportFile {
  return { name: "kneepoint_config_warnings", kind: "yaml", text: stringify({ warnings }, { lineWidth: 0 }) };
}

const GOODPUT_KEYS = ["ttft", "tpot", "itl", "ntpot", "request_latency"];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function at(doc: unknown, path: readonly string[]): unknown {
  let v = doc;
  for (const k of path) v = isObject(v) ? v[k] : undefined;
  return v;
}

/** `doc` without the keys at `paths` (the input is not modified). */
export function withoutKeys(doc: unknown, paths: readonly Segment[][]): unknown {
  if (paths.length === 0) return doc;
  const remove = (node: unknown, path: readonly Segment[]): unknown => {
    if (path.length === 0 || node === null || typeof node !== "object") return node;
    const [head, ...rest] = path;
    if (Array.isArray(node)) {
      if (typeof head !== "number" || head >= node.length) return node;
      const copy = [...node];
      copy[head] = remove(node[head], rest);
      return copy;
    }
    const obj = node as Record<string, unknown>;
    if (typeof head !== "string" || !(head in obj)) return node;
    if (rest.length === 0) {
      const { [head]: _removed, ...kept } = obj;
      return kept;
    }
    return { ...obj, [head]: remove(obj[head], rest) };
  };
  return paths.reduce(remove, doc);
}

/** Where a Distribution may be written (inference-perf's common.Distribution). */
const DISTRIBUTION_PATHS = [
  ["data", "input_distribution"],
  ["data", "output_distribution"],
  ["data", "shared_prefix", "system_prompt_len"],
  ["data", "shared_prefix", "question_len"],
  ["data", "shared_prefix", "output_len"],
  ["data", "shared_prefix", "question_distribution"],
  ["data", "shared_prefix", "output_distribution"],
];

export function compatibilityWarnings(doc: unknown): string[] {
  const warnings: string[] = [];
  for (const path of DISTRIBUTION_PATHS) {
    const d = at(doc, path);
    if (isObject(d) && d.variance != null && d.std_dev === undefined) {
      warnings.push(
        `${path.join(".")}.variance without std_dev: sampled with std_dev = √variance; inference-perf 0.7.0 refuses this ` +
          "(its std_dev defaults to 200; add std_dev: 0 there), 0.2.0 ignores variance and uses std_dev 200",
      );
    }
  }
  const constraints = at(doc, ["report", "goodput", "constraints"]);
  if (isObject(constraints)) {
    for (const k of Object.keys(constraints)) {
      if (!GOODPUT_KEYS.includes(k)) {
        warnings.push(`report.goodput.constraints.${k} is not read (as in inference-perf): the constraints are ${GOODPUT_KEYS.join(", ")}`);
      }
    }
  }
  const interval = at(doc, ["load", "interval"]);
  if (typeof interval === "number" && interval < 0) warnings.push(`load.interval ${interval}: no pause between stages (as inference-perf's asyncio.sleep of a negative time)`);
  const timeout = at(doc, ["load", "request_timeout"]);
  if (typeof timeout === "number" && timeout <= 0) warnings.push(`load.request_timeout ${timeout}: requests have no timeout (aiohttp, which inference-perf uses, reads ≤ 0 as none)`);
  warnings.push(...apiKeyWarnings(doc));
  return warnings;
}
