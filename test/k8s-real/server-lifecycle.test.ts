/**
 * `make vllm-up` when the server's container restarts, against a REAL Kubernetes control plane (./real-cluster.ts)
 * whose node agent runs the startup probe (probeTimeScale 0.1: a probe second is 100 ms) and restarts containers
 * as the kubelet does (research/real-cluster-review.md H3):
 * - a first start slower than the startup probe's budget (a big model still downloading): the kubelet kills the
 *   container ("failed startup probe, will be restarted") and starts it again in the same pod; the model-cache
 *   emptyDir survives the restart, so the second start (weights already there) is fast. `vllm-up` must wait it
 *   out, say so, and succeed.
 * - a server that exits at once (exit 1: a bad flag, an unknown model): `vllm-up` must fail within seconds with the
 *   exit code and the log's last line, not wait out the crash loop until VLLM_UP_TIMEOUT.
 * The seconds from the kubelet's event to kneepoint's message are printed.
 *
 * A fake `vllm serve` (the image's stand-in) keeps a start counter in HF_HOME (the model-cache volume) and takes
 * its behaviour from an extra flag (values.yaml extraArgs): `--fake-start slow-once` or `--fake-start crash`.
 *
 * KNEEPOINT_TEST_PEERS=skip (refused under CI=true) skips it; otherwise a missing Go toolchain or root fails it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import type { CoreV1Event } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peersSkipped } from "../real-peers/peers.ts";
import { runKneepoint, type KneepointRun } from "../run-kneepoint.ts";
import { startRealCluster, type RealCluster } from "./real-cluster.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const NS = "serving";
const RESTRICTED = { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" };
/** The first start sleeps this long: far past the startup probe's budget below (10 probes × 1 s at timeScale 0.1). */
const SLOW_FIRST_START_S = 120;
const skipped = peersSkipped();
if (skipped) console.warn("KNEEPOINT_TEST_PEERS=skip: not running the server lifecycle tests on the real control plane");

/**
 * `vllm serve MODEL … --fake-start slow-once|crash`: counts its starts in $HF_HOME (the model-cache volume, so the
 * count lives as long as the pod, across container restarts), then sleeps (first start, slow-once), exits 1 (crash),
 * or starts the simulator on the pod IP.
 */
function lifecycleFakeVllm(): string {
  return `#!/bin/sh
[ "$1" = "serve" ] || { echo "this fake vllm only serves" >&2; exit 2; }
shift; name=$1; port=8000; mode=; shift
while [ $# -gt 0 ]; do case "$1" in --served-model-name) name=$2; shift ;; --port) port=$2; shift ;; --fake-start) mode=$2; shift ;; esac; shift; done
ip=$(awk -v h="$HOSTNAME" '$2 == h { print $1; exit }' /etc/hosts)
[ -n "$ip" ] || { echo "fake vllm: no address for $HOSTNAME in /etc/hosts" >&2; exit 1; }
mkdir -p "$HF_HOME" || { echo "fake vllm: HF_HOME=$HF_HOME is not writable" >&2; exit 1; }
n=$(cat "$HF_HOME/fake-vllm-starts" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$HF_HOME/fake-vllm-starts"
echo "INFO fake vllm: start $n of this pod ($mode)"
case "$mode" in
  crash)
    echo "ValueError: Model architectures ['FakeForCausalLM'] are not supported for now." >&2
    exit 1 ;;
  slow-once)
    if [ "$n" -eq 1 ]; then
      echo "INFO Downloading model weights (first start: longer than the startup probe allows)"
      sleep ${SLOW_FIRST_START_S}
    else
      echo "INFO weights already in HF_HOME: loading"
    fi ;;
esac
echo "INFO Loading safetensors checkpoint shards: 100% Completed | 1/1"
exec node ${JSON.stringify(join(REPO, "bin/kneepoint.js"))} sim --host "$ip" --port "$port" --served-model-name "$name" --ttft-ms 4 --itl-ms 1
`;
}

let c: RealCluster;

beforeAll(async () => {
  if (skipped) return;
  c = await startRealCluster({ namespace: NS, namespaceLabels: RESTRICTED, bins: { vllm: lifecycleFakeVllm() } });
}, 900_000);

afterAll(async () => {
  await c?.close();
});

/** A values file like deploy/vllm/values.yaml with some keys changed. */
function valuesWith(file: string, changes: Record<string, unknown>): string {
  const values = { ...(parse(readFileSync(join(REPO, "deploy/vllm/values.yaml"), "utf8")) as Record<string, unknown>), ...changes };
  const path = join(c.work, file);
  writeFileSync(path, stringify(values));
  return path;
}

/** The CLI as the runner (benchmarks/rbac.yaml's rights), noting when each stderr line first appeared. */
async function kneepoint(args: string[], env: Record<string, string>): Promise<KneepointRun & { lineAt(pattern: RegExp): number | undefined; endedMs: number }> {
  const seen: Array<{ line: string; at: number }> = [];
  let count = 0;
  const run = await runKneepoint(args, {
    inheritEnv: false,
    env: { PATH: process.env.PATH ?? "", HOME: c.work, KUBECONFIG: c.runnerKubeconfig, NAMESPACE: NS, ...env },
    onStderr: (stderr) => {
      const lines = stderr.split("\n").slice(0, -1);
      for (const line of lines.slice(count)) seen.push({ line, at: Date.now() });
      count = lines.length;
    },
  });
  const endedMs = Date.now();
  return { ...run, endedMs, lineAt: (p) => seen.find((s) => p.test(s.line))?.at };
}

/** A pod's events of one reason, oldest first. */
async function podEvents(pod: string, reason: string): Promise<CoreV1Event[]> {
  const list = await c.core.listNamespacedEvent({ namespace: NS, fieldSelector: `reason=${reason},involvedObject.name=${pod}` });
  const t = (e: CoreV1Event) => new Date(e.firstTimestamp ?? e.eventTime ?? 0).getTime();
  return list.items.sort((a, b) => t(a) - t(b));
}

const eventMs = (e: CoreV1Event | undefined) => new Date(e?.firstTimestamp ?? e?.eventTime ?? NaN).getTime();

describe.skipIf(skipped)("vllm-up through container restarts on a real control plane", () => {
  it("a first start longer than the startup probe's budget: the kubelet restarts it, the cache survives, vllm-up waits it out", async () => {
    // 10 probes 10 s apart: a 100 s budget, 10 s at the fixture's probe time scale (the simulator needs ~3 s to listen here).
    const values = valuesWith("values-slow-once.yaml", { startupProbe: { periodSeconds: 10, failureThreshold: 10 }, extraArgs: ["--fake-start", "slow-once"] });
    const t0 = Date.now();
    const run = await kneepoint(["vllm-up"], { VLLM_VALUES: values, VLLM_UP_TIMEOUT: "3" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/sampling defaults: vLLM's defaults \(--generation-config vllm/);
    expect(run.stderr).toMatch(/model cache: emptyDir of up to 4Gi/);
    const restartLine = /loading the model on gpu-node-1 \(restarted 1× after the startup probe's budget ran out; the downloaded weights are kept/;
    expect(run.stderr).toMatch(restartLine);
    expect(run.stderr).toMatch(/ready: \/health answers and \/v1\/models lists qwen2\.5-0\.5b/);
    expect(run.stdout).toMatch(/vLLM is serving qwen2\.5-0\.5b .*on gpu-node-1/);

    // The kubelet's side: one kill by the startup probe, one restart of the same pod, the counter kept in the emptyDir.
    const pods = await c.core.listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/name=vllm" });
    expect(pods.items).toHaveLength(1);
    const status = pods.items[0]!.status!.containerStatuses![0]!;
    expect(status).toMatchObject({ restartCount: 1, ready: true });
    expect(status.lastState?.terminated?.exitCode).not.toBe(0);
    const name = pods.items[0]!.metadata!.name!;
    // The count in HF_HOME went on from the killed instance: the emptyDir outlived the container.
    expect(await c.core.readNamespacedPodLog({ name, namespace: NS, container: "vllm", previous: true })).toMatch(/INFO fake vllm: start 1 of this pod \(slow-once\)\nINFO Downloading model weights/);
    expect(await c.core.readNamespacedPodLog({ name, namespace: NS, container: "vllm" })).toMatch(/INFO fake vllm: start 2 of this pod \(slow-once\)\nINFO weights already in HF_HOME/);
    const [kill] = await podEvents(name, "Killing");
    expect(kill?.message).toBe("Container vllm failed startup probe, will be restarted");
    expect(pods.items[0]!.spec?.volumes?.find((v) => v.name === "model-cache")?.emptyDir).toEqual({ sizeLimit: "4Gi" });

    const restartSaidMs = run.lineAt(restartLine)!;
    const readyMs = run.lineAt(/^ready: /)!;
    console.log(
      `startup-probe restart: Killing event to vllm-up's restart line ${((restartSaidMs - eventMs(kill)) / 1000).toFixed(1)} s, ` +
        `to ready ${((readyMs - eventMs(kill)) / 1000).toFixed(1)} s; vllm-up ${((run.endedMs - t0) / 1000).toFixed(1)} s in all`,
    );
    expect((restartSaidMs - eventMs(kill)) / 1000).toBeLessThan(10);

    const down = await kneepoint(["vllm-down"], { VLLM_VALUES: values });
    expect(down.code, down.stderr).toBe(0);
  }, 240_000);

  it("a server that exits at once: vllm-up fails within seconds with the exit code and the log, not after VLLM_UP_TIMEOUT", async () => {
    const values = valuesWith("values-crash.yaml", { extraArgs: ["--fake-start", "crash"] });
    const t0 = Date.now();
    const run = await kneepoint(["vllm-up"], { VLLM_VALUES: values, VLLM_UP_TIMEOUT: "3" });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/the vLLM container crashed on gpu-node-1: exit 1 \(Error\) after \d+ s: ValueError: Model architectures \['FakeForCausalLM'\] are not supported/);
    expect(run.stderr).toMatch(/hint: read its log: kubectl -n serving logs vllm-[a-z0-9]+-[a-z0-9]+( --previous)?/);
    expect(run.stderr).not.toMatch(/restarted \d+× after the startup probe/);
    console.log(run.stderr.trim().split("\n").slice(-4).join("\n"));
    const pod = /logs (vllm-[a-z0-9]+-[a-z0-9]+)/.exec(run.stderr)![1]!;
    const [started] = await podEvents(pod, "Started");
    const fromStart = (run.endedMs - eventMs(started)) / 1000;
    console.log(`crash at start: the container's first Started event to vllm-up's exit ${fromStart.toFixed(1)} s (vllm-up ${((run.endedMs - t0) / 1000).toFixed(1)} s in all)`);
    expect(fromStart).toBeLessThan(15);

    const down = await kneepoint(["vllm-down"], { VLLM_VALUES: values });
    expect(down.code, down.stderr).toBe(0);
  }, 120_000);
});
