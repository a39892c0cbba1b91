/**
 * Where two JSON documents differ, as dotted paths with both values ("steps[2].numPrompts: 64 ≠ 32"), in document
 * order, so a refusal to merge two shards can say which input made their plans differ. Pure.
 */

export interface Difference {
  path: string;
  a: unknown;
  b: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** At most `limit` differences; keys in `ignore` (top-level names) are skipped. */
export function firstDifferences(a: unknown, b: unknown, opts: { limit?: number; ignore?: readonly string[] } = {}): Difference[] {
  const limit = opts.limit ?? 3;
  const ignore = new Set(opts.ignore ?? []);
  const out: Difference[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length) && out.length < limit; i++) walk(x[i], y[i], `${path}[${i}]`);
      return;
    }
    if (isObject(x) && isObject(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
      for (const k of keys) {
        if (path === "" && ignore.has(k)) continue;
        walk(x[k], y[k], path ? `${path}.${k}` : k);
      }
      return;
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ path: path || "(document)", a: x, b: y });
  };
  walk(a, b, "");
  return out;
}

/** "steps[2].numPrompts: 64 in A, 32 in B" — values cut to 60 characters. */
export function describeDifference(d: Difference, nameA: string, nameB: string): string {
  const show = (v: unknown): string => {
    const text = v === undefined ? "(absent)" : JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 59)}…` : text;
  };
  return `${d.path}: ${show(d.a)} in ${nameA}, ${show(d.b)} in ${nameB}`;
}
