/**
 * The files of two report directories: every file inference-perf wrote must be in kneepoint's directory, and a file
 * only kneepoint writes must not be one that inference-perf's own globs would pick up (its readers, and the names
 * of the files it writes, which a reader of its directories expects to be inference-perf's).
 */

/**
 * inference-perf 0.7.0's report-directory names, as globs:
 *  - written by reportgen/base.py `generate_reports`: summary_/stage_N_/per_request_/adapter_* lifecycle metrics,
 *    summary_/stage_N_ prometheus metrics, session lifecycle metrics, `config.yaml`, the BR0.2 partials
 *    `inference-perf.partial.stage_N.yaml`, and reportgen/validation.py's `validation.json`;
 *  - read by analysis/analyze.py: `stage_*_lifecycle_metrics.json`;
 *  - written into the report directory by `--analyze` (analysis/analyze.py): its chart names, which would
 *    overwrite a file of the same name.
 */
export const INFERENCE_PERF_GLOBS = [
  "*_lifecycle_metrics.json",
  "*_prometheus_metrics.json",
  "config.yaml",
  "validation.json",
  "inference-perf.*",
  "latency_vs_concurrency.png",
  "throughput_vs_concurrency.png",
  "latency_vs_qps.png",
  "throughput_vs_qps.png",
  "goodput_vs_qps.png",
  "throughput_vs_latency.png",
] as const;

/** fnmatch-style: `*` any run of characters, everything else literal. */
export function matchesGlob(name: string, glob: string): boolean {
  const re = new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(name);
}

export interface FileSetComparison {
  /** Written by inference-perf, not by kneepoint. */
  missing: string[];
  /** Written by kneepoint only, under a name inference-perf's globs pick up. */
  extraMatchingGlobs: { name: string; glob: string }[];
  /** Written by kneepoint only, out of inference-perf's globs (its own files: allowed). */
  ownFiles: string[];
}

export function compareFileSets(ipFiles: readonly string[], kpFiles: readonly string[], ignore: (name: string) => boolean = () => false): FileSetComparison {
  const ip = new Set(ipFiles.filter((n) => !ignore(n)));
  const kp = new Set(kpFiles.filter((n) => !ignore(n)));
  const missing = [...ip].filter((n) => !kp.has(n)).sort();
  const extraMatchingGlobs: FileSetComparison["extraMatchingGlobs"] = [];
  const ownFiles: string[] = [];
  for (const name of [...kp].filter((n) => !ip.has(n)).sort()) {
    const glob = INFERENCE_PERF_GLOBS.find((g) => matchesGlob(name, g));
    if (glob) extraMatchingGlobs.push({ name, glob });
    else ownFiles.push(name);
  }
  return { missing, extraMatchingGlobs, ownFiles };
}
