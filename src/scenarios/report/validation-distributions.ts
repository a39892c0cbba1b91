/**
 * inference-perf 0.7.0's check of every distribution block of a report (reportgen/validation.py
 * `distribution_findings`): a block is any dict with numeric `min` and `max`; min ≤ mean, median, percentiles ≤
 * max; percentiles non-decreasing in rank; no negative minimum, except under `schedule_delay` (a warning there).
 * Tolerances are approxLe's. Pure.
 */
import { pyNumber } from "./python-format.ts";
import { approxLe, error as errorOf, finding, isDict, isNumber, show, type Finding, type Path, type ReportDoc } from "./validation-findings.ts";

const PERCENTILE_KEY_RE = /^p(\d+(?:[.p]\d+)?)$/;

/** The rank a key encodes: `median` 50, `p90`, `p99.9`, and BR0.2's `p99p9`; null for other keys. */
export function percentileRank(key: string): number | null {
  if (key === "median") return 50;
  const m = PERCENTILE_KEY_RE.exec(key);
  return m ? Number(m[1]!.replace("p", ".")) : null;
}

interface Block {
  /** Dotted, as the messages print it (`successes.latency.request_latency`, `a[0].b`). */
  text: string;
  path: Path;
  node: Record<string, unknown>;
}

/** Every distribution block of a tree, a block before the blocks inside it, in key order. */
export function walkDistributionBlocks(node: unknown, text = "", path: Path = []): Block[] {
  const blocks: Block[] = [];
  if (isDict(node)) {
    if (isNumber(node.min) && isNumber(node.max)) blocks.push({ text, path, node });
    for (const [key, value] of Object.entries(node)) blocks.push(...walkDistributionBlocks(value, text ? `${text}.${key}` : key, [...path, key]));
  } else if (Array.isArray(node)) {
    node.forEach((item, i) => blocks.push(...walkDistributionBlocks(item, `${text}[${i}]`, [...path, i])));
  }
  return blocks;
}

const float = (x: number) => pyNumber(x, "float");

/** Python's ordering of `(rank, key, value)` tuples. */
function compareRanked(a: [number, string, number], b: [number, string, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

export function distributionFindings(filename: string, doc: ReportDoc, check: string, negativeOkSubstrings: readonly string[] = ["schedule_delay"]): Finding[] {
  const findings: Finding[] = [];
  const error = (message: string) => findings.push(errorOf(check, filename, message));

  for (const { text, path, node } of walkDistributionBlocks(doc.contents)) {
    const low = node.min as number;
    const high = node.max as number;
    if (!approxLe(low, high)) error(`${text}: min ${float(low)} > max ${float(high)}`);
    if (low < 0) {
      if (negativeOkSubstrings.some((s) => text.includes(s))) findings.push(finding(check, "warning", `${text}: negative minimum ${float(low)}`, filename));
      else error(`${text}: negative minimum ${float(low)}`);
    }

    const ranked: [number, string, number][] = [];
    for (const [key, value] of Object.entries(node)) {
      if (!isNumber(value)) continue;
      const inside = approxLe(low, value) && approxLe(value, high);
      if (key === "mean" && !inside) error(`${text}: mean ${show(doc, [...path, key], value)} outside [min, max] = [${float(low)}, ${float(high)}]`);
      const rank = percentileRank(key);
      if (rank !== null) {
        if (!inside) error(`${text}.${key}: ${show(doc, [...path, key], value)} outside [min, max] = [${float(low)}, ${float(high)}]`);
        ranked.push([rank, key, value]);
      }
    }
    ranked.sort(compareRanked);
    for (let i = 1; i < ranked.length; i++) {
      const [, keyA, valA] = ranked[i - 1]!;
      const [, keyB, valB] = ranked[i]!;
      if (!approxLe(valA, valB)) error(`${text}: percentile ordering violated: ${keyA}=${float(valA)} > ${keyB}=${float(valB)}`);
    }
  }
  return findings;
}
