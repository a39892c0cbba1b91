/** Which installed Python a test peer's virtualenv is made with (pure, for install-peers.ts). */
export interface Python {
  path: string;
  version: [number, number, number];
}

/**
 * The oldest interpreter (by minor version) that the package accepts: the one its dependencies' wheels were
 * most likely built and tested for. Of equal minors, the newest patch release.
 */
export function pickPython(pythons: readonly Python[], min: readonly [number, number]): Python | undefined {
  const ok = pythons.filter((p) => p.version[0] > min[0] || (p.version[0] === min[0] && p.version[1] >= min[1]));
  ok.sort((a, b) => a.version[0] - b.version[0] || a.version[1] - b.version[1] || b.version[2] - a.version[2]);
  return ok[0];
}
