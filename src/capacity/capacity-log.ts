/**
 * How the in-cluster capacity Job hands its results to the runner: through its log, between marker lines of
 * the sweep's kind (src/engine/vllm/result-markers.ts), read back by the sweep's reader (extractMarkedResults),
 * so a block survives log prefixes, interleaved output, a line broken in two and a resumed stream as a sweep
 * step does. Two kinds of block, the number after `c=` being a count:
 *
 *     === kneepoint-capacity-probe c=3 begin ===         probe #3: {"probe": {…}, "summary": {…}}
 *     === kneepoint-capacity-document c=7 begin ===      capacity.json after 7 probes (c=0: before the first)
 *
 * Each is checked for its shape after parsing: a block cut in the middle must be an error, never a fragment
 * taken for a result. Pure.
 */
import { extractMarkedResults } from "../engine/vllm/extract-marked-results.ts";
import { resultMarkerLine, type ResultMarkers } from "../engine/vllm/result-markers.ts";
import type { StepResult } from "../metrics/summarize-step.ts";
import type { CapacityDocument } from "./capacity-document.ts";
import type { CapacityProbe } from "./capacity-result.ts";

export const PROBE_MARKERS: ResultMarkers = { tag: "kneepoint-capacity-probe" };
export const DOCUMENT_MARKERS: ResultMarkers = { tag: "kneepoint-capacity-document" };

export interface LoggedProbe {
  probe: CapacityProbe;
  /** The probe's step summary with vLLM's keys (probe-<n>.json). */
  summary: StepResult;
}

export interface CapacityLog {
  /** By probe index, each once. */
  probes: LoggedProbe[];
  /** The last document in the log (the final one, or the one printed before the first probe), or null. */
  document: CapacityDocument | null;
  /** Blocks that could not be read, with their log line. */
  errors: string[];
  warnings: string[];
}

/** One block as the Job prints it (one JSON line between its markers). */
export function capacityLogBlock(markers: ResultMarkers, n: number, value: object): string {
  return `\n${resultMarkerLine(n, "begin", markers)}\n${JSON.stringify(value)}\n${resultMarkerLine(n, "end", markers)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function isLoggedProbe(v: Record<string, unknown>): v is Record<string, unknown> & LoggedProbe {
  const p = v.probe;
  return isObject(p) && typeof p.index === "number" && (p.axis === "rate" || p.axis === "concurrency") && typeof p.level === "number" && Array.isArray(p.readings) && isObject(v.summary) && typeof v.summary.completed === "number";
}

function isDocument(v: Record<string, unknown>): v is Record<string, unknown> & CapacityDocument {
  return v.kind === "kneepoint-capacity" && Array.isArray(v.probes) && Array.isArray(v.results) && Array.isArray(v.slos) && isObject(v.runContext);
}

export function readCapacityLog(log: string): CapacityLog {
  const out: CapacityLog = { probes: [], document: null, errors: [], warnings: [] };
  const probes = extractMarkedResults(log, PROBE_MARKERS);
  const byIndex = new Map<number, LoggedProbe>();
  for (const r of probes.results) {
    if (!isLoggedProbe(r.json) || r.json.probe.index !== r.concurrency) out.errors.push(`log line ${r.line}: probe #${r.concurrency}: not a probe's result (a cut or garbled block)`);
    else byIndex.set(r.concurrency, { probe: r.json.probe, summary: r.json.summary });
  }
  const documents = extractMarkedResults(log, DOCUMENT_MARKERS);
  for (const r of documents.results) {
    if (isDocument(r.json)) out.document = r.json;
    else out.errors.push(`log line ${r.line}: the capacity document after ${r.concurrency} probes: not a capacity document (a cut or garbled block)`);
  }
  for (const e of [...probes.errors, ...documents.errors]) out.errors.push(`log line ${e.line}: ${e.message}`);
  // The reader counts a block's one line as an "other object" when it is not a vLLM result; a capacity block holds
  // exactly one object (its shape checked above), so that warning says nothing here.
  const notVllm = /: \d+ other JSON object\(s\) in the block ignored$/;
  out.warnings.push(...[...probes.warnings, ...documents.warnings].filter((w) => !notVllm.test(w)));
  out.probes = [...byIndex.values()].sort((a, b) => a.probe.index - b.probe.index);
  return out;
}
