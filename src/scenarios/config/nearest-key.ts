/**
 * "Did you mean …?" for config keys: the Damerau–Levenshtein (optimal string alignment) distance between
 * a mistyped key and each valid sibling, so `stage` suggests `stages` and `rtae` suggests `rate`.
 */

/** Edits (insert, delete, substitute, swap two adjacent characters) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest candidate to `key`, or null when none is close enough to be a plausible typo: at most
 * a third of the longer name's characters (and at least 2) may differ. Failing that, the one candidate the key
 * abbreviates (a prefix of at least 3 characters: `std` → `std_dev`). Case is ignored.
 */
export function nearestKey(key: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(key.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  if (best === null) return null;
  const allowed = Math.max(2, Math.floor(Math.max(key.length, best.length) / 3));
  if (bestDistance <= allowed) return best;
  const abbreviated = key.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(key.toLowerCase())) : [];
  return abbreviated.length === 1 ? abbreviated[0]! : null;
}
