/** resource.Quantity strings ("2", "500m", "8Gi", "1e3", "1.5G") as numbers of base units (cores, bytes, GPUs). */
const SUFFIX: Record<string, number> = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+)(([eE][+-]?[0-9]+)|[a-zA-Z]*)$/.exec(q.trim());
  if (!m) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${q}`);
  const number = Number(m[1]);
  if (m[3]) return number * 10 ** Number(m[3].slice(1));
  const factor = SUFFIX[m[2] ?? ""];
  if (factor === undefined) throw new Error(`unable to parse quantity's suffix: ${q}`);
  return number * factor;
}
