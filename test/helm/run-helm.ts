/**
 * The real `helm` for the chart tests: built once from the Go module proxy (build-helm.ts, `make test-helm`), run in
 * its own process with a private config/cache/data home, so no repository, plugin or registry login of the machine
 * takes part. KNEEPOINT_TEST_PEERS=skip (refused under CI=true) skips the helm tests; otherwise a helm that cannot be
 * built fails them.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { peersSkipped } from "../real-peers/peers.ts";
import { runChild, type ChildRun } from "../parity/run-child.ts";
import { buildHelm } from "./build-helm.ts";

export const CHART_DIR = fileURLToPath(new URL("../../charts/kneepoint/", import.meta.url));

/** True when the helm tests are deliberately left out (KNEEPOINT_TEST_PEERS=skip outside CI). */
export const helmSkipped = peersSkipped();

let helmPath: Promise<string> | undefined;

/** The cached helm binary (built on first use when `make test-helm` has not run). */
export function helmBinary(): Promise<string> {
  helmPath ??= buildHelm({ log: (line) => console.warn(line) });
  return helmPath;
}

const home = mkdtempSync(join(tmpdir(), "kp-helm-home-"));

export interface HelmOptions {
  /** KUBECONFIG for commands that reach a cluster (install, uninstall, status). */
  kubeconfig?: string;
  timeoutMs?: number;
}

/** `helm …args` with only PATH, HOME and helm's own homes in its environment. */
export async function helm(args: string[], o: HelmOptions = {}): Promise<ChildRun> {
  const bin = await helmBinary();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_DATA_HOME: join(home, "data"),
    ...(o.kubeconfig ? { KUBECONFIG: o.kubeconfig } : {}),
  };
  return runChild(bin, args, { cwd: CHART_DIR, env, timeoutMs: o.timeoutMs ?? 60_000 });
}

/** `helm template` of the chart with these flags; throws with helm's stderr when it fails. */
export async function renderChart(flags: string[], release = "bench"): Promise<string> {
  const run = await helm(["template", release, CHART_DIR, "--namespace", "benchmarking", ...flags]);
  if (run.code !== 0) throw new Error(`helm template ${flags.join(" ")} failed (exit ${run.code}):\n${run.stderr}`);
  return run.stdout;
}
