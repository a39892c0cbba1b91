/**
 * Where the installed real peers are, for tests. install-peers.ts (run by `make test` before vitest) puts them
 * there; a test asks for one with peerBin(). A missing peer is an error that says how to install it, never a
 * silent skip. KNEEPOINT_TEST_PEERS=skip (refused under CI=true) lets a developer run the fast tests offline:
 * the peer tests then skip with the reason printed.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON_PEERS, type PythonPeerId } from "./pins.ts";

export function testCacheDir(): string {
  return process.env.KNEEPOINT_TEST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "kneepoint-test");
}

export function venvDir(id: PythonPeerId): string {
  return join(testCacheDir(), "venvs", id);
}

/** The marker install-peers writes after a successful install and smoke check: the pins it installed. */
export function markerPath(id: PythonPeerId): string {
  return join(venvDir(id), ".kneepoint-installed.json");
}

/**
 * The versions of every transitive dependency, frozen from an install that passed the suite (`pip freeze`), so
 * a new release of a dependency cannot change a test peer under us. Regenerate deliberately with
 * `<venv>/bin/python -m pip freeze` after changing a pin.
 */
export function constraintsPath(id: PythonPeerId): string {
  return fileURLToPath(new URL(`./constraints/${id}.txt`, import.meta.url));
}

export function markerContent(id: PythonPeerId): string {
  return JSON.stringify({ requirements: PYTHON_PEERS[id].requirements, constraints: readFileSync(constraintsPath(id), "utf8") });
}

export function isInstalled(id: PythonPeerId): boolean {
  try {
    return readFileSync(markerPath(id), "utf8") === markerContent(id);
  } catch {
    return false;
  }
}

/** True when peers were deliberately left out (KNEEPOINT_TEST_PEERS=skip outside CI). */
export function peersSkipped(): boolean {
  if (process.env.KNEEPOINT_TEST_PEERS !== "skip") return false;
  if (process.env.CI === "true") throw new Error("KNEEPOINT_TEST_PEERS=skip is not allowed under CI=true: the real peers are part of the suite");
  return true;
}

/** The reason a peer test skips, or undefined when it runs; throws when a peer is missing and not skipped. */
export function skipReason(...ids: PythonPeerId[]): string | undefined {
  if (peersSkipped()) {
    const reason = `KNEEPOINT_TEST_PEERS=skip: not running the tests against ${ids.join(", ")}`;
    console.warn(reason);
    return reason;
  }
  for (const id of ids) requirePeer(id);
  return undefined;
}

export function requirePeer(id: PythonPeerId): void {
  if (!isInstalled(id)) {
    throw new Error(
      `the real peer ${id} is not installed in ${venvDir(id)}: run \`npx tsx test/real-peers/install-peers.ts\` (make test runs it first)`,
    );
  }
}

/** Absolute path of an executable of an installed peer's venv. */
export function peerBin(id: PythonPeerId, bin: string): string {
  requirePeer(id);
  const path = join(venvDir(id), "bin", bin);
  if (!existsSync(path)) throw new Error(`${id} has no ${bin} in ${join(venvDir(id), "bin")}`);
  return path;
}
