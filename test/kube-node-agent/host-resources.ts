/**
 * What a node agent leaves on the host while it runs: container process groups and pod/node addresses on `lo`.
 * Everything is registered here, so that
 * - a `process.on("exit")` hook kills the groups and removes the addresses whatever way the test process ends
 *   (the pattern of control-plane.ts);
 * - a state file `$TMPDIR/kneepoint-node-agent-<pid>.json` lists them, and the next start in any process sweeps
 *   the state of owners that died without the hook running (SIGKILL): their groups are killed, their addresses
 *   removed. Container processes also get PR_SET_PDEATHSIG (setpriv, see container-process.ts), so a direct
 *   child dies with the test process even before the sweep.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "kneepoint-node-agent-";
const stateFile = join(tmpdir(), `${PREFIX}${process.pid}.json`);

const groups = new Set<number>();
const addresses = new Set<string>();
let hookInstalled = false;

function persist(): void {
  if (groups.size === 0 && addresses.size === 0) {
    rmSync(stateFile, { force: true });
    return;
  }
  writeFileSync(stateFile, JSON.stringify({ pid: process.pid, groups: [...groups], addresses: [...addresses] }));
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/** `ip addr del <ip>/32 dev lo`, ignoring an address that is already gone. */
export function removeLoAddressSync(ip: string): void {
  try {
    execFileSync("ip", ["addr", "del", `${ip}/32`, "dev", "lo"], { stdio: "ignore" });
  } catch {
    /* not there */
  }
}

function installHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on("exit", () => {
    for (const g of groups) killGroup(g);
    for (const ip of addresses) removeLoAddressSync(ip);
    rmSync(stateFile, { force: true });
  });
}

export function trackGroup(pgid: number): void {
  installHook();
  groups.add(pgid);
  persist();
}

export function untrackGroup(pgid: number): void {
  if (groups.delete(pgid)) persist();
}

export function trackAddress(ip: string): void {
  installHook();
  addresses.add(ip);
  persist();
}

export function untrackAddress(ip: string): void {
  if (addresses.delete(ip)) persist();
}

/** Kills the process groups and removes the addresses of node agents whose test process is gone. */
export function sweepOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX) || !name.endsWith(".json")) continue;
    const file = join(tmpdir(), name);
    try {
      const state = JSON.parse(readFileSync(file, "utf8")) as { pid: number; groups: number[]; addresses: string[] };
      if (state.pid === process.pid) continue;
      try {
        process.kill(state.pid, 0);
        continue; // the owner still runs
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") continue;
      }
      for (const g of state.groups) killGroup(g);
      for (const ip of state.addresses) removeLoAddressSync(ip);
      rmSync(file, { force: true });
    } catch {
      /* being written, or not ours */
    }
  }
}
