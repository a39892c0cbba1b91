/**
 * Parity findings as lines a person reads: one per difference, and type differences that share a parent, a kind
 * and a pair of types collapsed into one line (`successes.image.count.{mean, min, max, …}: float 0.0 → int 0`), so
 * a float written as an int across a whole distribution is one line, not fifteen.
 */
import { renderValue } from "./raw-json.ts";
import { formatShapeDifference, type ShapeDifference } from "./shape-diff.ts";

/** The parent path and the last key of a formatted path (`a.b["p0.1"]` → `a.b`, `p0.1`). */
export function splitPath(path: string): { parent: string; leaf: string } {
  const bracket = /^(.*)\["([^"]*)"\]$/.exec(path);
  if (bracket) return { parent: bracket[1]!, leaf: bracket[2]! };
  const dot = path.lastIndexOf(".");
  return dot < 0 ? { parent: "", leaf: path } : { parent: path.slice(0, dot), leaf: path.slice(dot + 1) };
}

/** Lines for a document's shape differences, type differences grouped by parent and type pair. */
export function formatShapeDifferences(diffs: readonly ShapeDifference[]): string[] {
  const lines: string[] = [];
  const groups = new Map<string, { parent: string; leaves: string[]; first: Extract<ShapeDifference, { kind: "type" }> }>();
  for (const d of diffs) {
    if (d.kind !== "type") {
      lines.push(formatShapeDifference(d));
      continue;
    }
    const { parent, leaf } = splitPath(d.path);
    const key = `${parent}\u0000${d.ipType}\u0000${d.kpType}`;
    const group = groups.get(key);
    if (group) group.leaves.push(leaf);
    else {
      groups.set(key, { parent, leaves: [leaf], first: d });
      lines.push(key); // placeholder, keeps document order
    }
  }
  return lines.map((line) => {
    const g = groups.get(line);
    if (!g) return line;
    if (g.leaves.length === 1) return formatShapeDifference(g.first);
    const where = `${g.parent === "" ? "" : `${g.parent}.`}{${g.leaves.join(", ")}}`;
    return `type                  ${where}  inference-perf: ${g.first.ipType} (e.g. ${renderValue(g.first.ip)})  kneepoint: ${g.first.kpType} (e.g. ${renderValue(g.first.kp)})`;
  });
}
