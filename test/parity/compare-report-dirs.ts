/**
 * inference-perf's report directory against kneepoint's, for one config run by both: which files, the shape of
 * every document both wrote (per-request entries paired success with success, failure with failure), the request
 * counts, and the latency distributions. Pure: takes the directories as read, returns every finding.
 */
import { compareLatencies, type StatComparison } from "./latency-diff.ts";
import type { RawJson } from "./raw-json.ts";
import { countDifferences, isFailedEntry, lifecycleCounts, perRequestCounts, tokenHistograms, type CountDifference } from "./report-counts.ts";
import type { ReportDir } from "./report-dir.ts";
import { compareFileSets, type FileSetComparison } from "./report-file-set.ts";
import { shapeDiff, type ShapeDifference } from "./shape-diff.ts";

export const PER_REQUEST_FILE = "per_request_lifecycle_metrics.json";

/** Prometheus report files are another engineer's (and need a Prometheus): left out of every comparison. */
export const isExcludedFile = (name: string): boolean => name.endsWith("_prometheus_metrics.json");

const isLifecycleFile = (name: string): boolean => /^(summary|stage_\d+)_lifecycle_metrics\.json$/.test(name);

export interface DocumentFindings<T> {
  /** File name, with which per-request entry when it is one (`per_request_lifecycle_metrics.json [first failure]`). */
  document: string;
  findings: T[];
}

/** Per successful request: output tokens and token times, as histograms (report-counts.ts tokenHistograms). */
export interface TokenDifference {
  field: "outputTokens" | "tokenTimes";
  ip: string;
  kp: string;
}

export interface ParityFindings {
  files: FileSetComparison;
  unreadable: string[];
  shapes: DocumentFindings<ShapeDifference>[];
  counts: DocumentFindings<CountDifference>[];
  tokens: TokenDifference[];
  latencies: DocumentFindings<StatComparison>[];
}

/** The first success and the first failure of each side's per-request list, as the pairs to compare. */
export function perRequestPairs(ip: RawJson, kp: RawJson): { label: string; ip: RawJson; kp: RawJson }[] {
  if (ip.kind !== "array" || kp.kind !== "array") return [{ label: "", ip, kp }];
  const pairs: { label: string; ip: RawJson; kp: RawJson }[] = [];
  for (const [label, failed] of [["first success", false], ["first failure", true]] as const) {
    const ipEntry = ip.items.find((e) => isFailedEntry(e) === failed);
    const kpEntry = kp.items.find((e) => isFailedEntry(e) === failed);
    if (ipEntry && kpEntry) pairs.push({ label, ip: ipEntry, kp: kpEntry });
  }
  return pairs;
}

export function compareReportDirs(ip: ReportDir, kp: ReportDir): ParityFindings {
  const files = compareFileSets(ip.files, kp.files, isExcludedFile);
  const unreadable = [
    ...[...ip.unreadable].map(([f, why]) => `inference-perf ${f}: ${why}`),
    ...[...kp.unreadable].map(([f, why]) => `kneepoint ${f}: ${why}`),
  ];
  const shapes: ParityFindings["shapes"] = [];
  const counts: ParityFindings["counts"] = [];
  const latencies: ParityFindings["latencies"] = [];
  const tokens: TokenDifference[] = [];
  for (const [name, ipDoc] of ip.documents) {
    const kpDoc = kp.documents.get(name);
    if (isExcludedFile(name) || !kpDoc) continue;
    if (name === PER_REQUEST_FILE) {
      for (const pair of perRequestPairs(ipDoc, kpDoc)) shapes.push({ document: `${name} [${pair.label}]`, findings: shapeDiff(pair.ip, pair.kp) });
      counts.push({ document: name, findings: countDifferences(perRequestCounts(ipDoc), perRequestCounts(kpDoc)) });
      const ipTokens = tokenHistograms(ipDoc);
      const kpTokens = tokenHistograms(kpDoc);
      for (const field of ["outputTokens", "tokenTimes"] as const) {
        if (ipTokens[field] !== kpTokens[field]) tokens.push({ field, ip: ipTokens[field], kp: kpTokens[field] });
      }
      continue;
    }
    shapes.push({ document: name, findings: shapeDiff(ipDoc, kpDoc) });
    if (isLifecycleFile(name)) {
      counts.push({ document: name, findings: countDifferences(lifecycleCounts(ipDoc), lifecycleCounts(kpDoc)) });
      latencies.push({ document: name, findings: compareLatencies(ipDoc, kpDoc) });
    }
  }
  return { files, unreadable, shapes, counts, tokens, latencies };
}
