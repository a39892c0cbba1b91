/**
 * The legend name of each compared run: its `--label` (one per directory, in order), or by default the
 * directory's name, lengthened by its parents until the names differ (two `results/` folders become
 * `a/results` and `b/results`). Names must be distinct: two runs with one name would draw as one line. Pure.
 */
import { UsageError } from "../../errors.ts";

function segments(dir: string): string[] {
  const parts = dir.replace(/\\/g, "/").split("/").filter((p) => p !== "" && p !== ".");
  return parts.length > 0 ? parts : ["."];
}

export function defaultRunLabels(dirs: readonly string[]): string[] {
  const segs = dirs.map(segments);
  const depth = dirs.map(() => 1);
  const name = (i: number) => segs[i]!.slice(-depth[i]!).join("/");
  for (;;) {
    const names = dirs.map((_, i) => name(i));
    const clash = names.map((n, i) => names.indexOf(n) !== i || names.lastIndexOf(n) !== i);
    const growable = clash.map((c, i) => c && depth[i]! < segs[i]!.length);
    if (!growable.some(Boolean)) {
      // The same directory given twice (or names that cannot differ): number the repeats.
      const seen = new Map<string, number>();
      return names.map((n) => {
        const k = (seen.get(n) ?? 0) + 1;
        seen.set(n, k);
        return k === 1 ? n : `${n} #${k}`;
      });
    }
    growable.forEach((g, i) => g && (depth[i] = depth[i]! + 1));
  }
}

export function runLabels(dirs: readonly string[], labels: readonly string[] = []): string[] {
  if (labels.length === 0) return defaultRunLabels(dirs);
  if (labels.length !== dirs.length) {
    throw new UsageError(
      `--label was given ${labels.length} time${labels.length === 1 ? "" : "s"} for ${dirs.length} director${dirs.length === 1 ? "y" : "ies"}`,
      "give one --label per directory, in the same order, or none (the directory names are used)",
    );
  }
  const seen = new Set<string>();
  for (const label of labels) {
    if (label.trim() === "") throw new UsageError("--label must not be empty", "e.g. --label h100-8b --label kv-starved");
    if (seen.has(label)) throw new UsageError(`--label "${label}" is given twice`, "each compared run needs its own label");
    seen.add(label);
  }
  return [...labels];
}
