/**
 * The kubelet of every node. A bound pod goes through volume setup, image "pull" (recorded, never pulled),
 * environment resolution (a missing ConfigMap/Secret holds it in CreateContainerConfigError until it
 * appears), then:
 * - pods of a ReplicaSet are simulated: running, not ready, the test's log lines at their times, Ready after
 *   `readyAfterMs` of their Deployment (a model server loading);
 * - every other pod RUNS its container's command + args here ($(VAR)-expanded, mountPaths rewritten, see
 *   pod-volumes.ts) with the container's environment and PATH from `options.kubelet.path`; stdout and stderr
 *   together are the log; the exit code sets the terminated state and the pod phase (restartPolicy is not
 *   honoured: a container is never restarted).
 * Deleting a pod stops its container: SIGTERM to its process group, SIGKILL after the grace period.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { containerEnv } from "./container-env.ts";
import type { Cluster } from "./cluster.ts";
import { expandKubernetesRefs } from "./expand-kubernetes-refs.ts";
import { timestamp, type KubeObject } from "./object-store.ts";
import type { PodLogs } from "./pod-logs.ts";
import { podStatus, type ContainerState, type ContainerStatus } from "./pod-status.ts";
import { pullImage, type PodRunHelpers } from "./pod-run.ts";
import { runSimulated, type SimulatedRun } from "./simulated-container.ts";
import { materializeVolumes, mountTable, rewriteMountPaths, type VolumeMount } from "./pod-volumes.ts";

type Obj = Record<string, unknown>;

export interface KubeletOptions {
  /** PATH of the "image" (used unless the container's env sets PATH). */
  path: string;
  tmpDir: string;
  keepPodDirs: boolean;
  imagePullMs: number;
  /** Deployment name → ms from container start until Ready. */
  readyAfterMs: Record<string, number>;
  /** Deployment name → log lines and when (ms from container start) they are written. */
  logLines: Record<string, { afterMs: number; line: string }[]>;
  /** Deployment name → its container exits this long after each start (CrashLoopBackOff). */
  crashes: Record<string, { afterMs: number; exitCode: number }>;
  crashLoopBackoffMs: number;
  /** image → registry error (a live map: a test may fix the image later). */
  pullErrors: ReadonlyMap<string, string>;
  imagePullBackoffMs: number;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  volumeMounts?: VolumeMount[];
}

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  timers: Set<NodeJS.Timeout>;
  child?: ChildProcess;
  simulated: boolean;
  killing: boolean;
  done: boolean;
  podDir: string;
  startedAt?: string;
  restarts: number;
  lastTerminated?: ContainerState["terminated"];
}

const SIGNALS: Record<string, number> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2, SIGHUP: 1 };

export interface Kubelet {
  stop(): Promise<void>;
  /** Pids of the containers running now. */
  runningPids(): number[];
}

export function startKubelet(c: Cluster, logs: PodLogs, options: KubeletOptions): Kubelet {
  const podRes = c.res("Pod");
  const runs = new Map<string, PodRun>();
  let podIpCounter = 10;

  const after = (run: PodRun, ms: number, work: () => void) => {
    const t = setTimeout(() => {
      run.timers.delete(t);
      if (!run.done) work();
    }, Math.max(0, ms));
    run.timers.add(t);
  };

  const current = (run: PodRun) => {
    const pod = c.store.get(podRes, run.namespace, run.name);
    return pod && pod.metadata.uid === run.uid ? pod : undefined;
  };

  const writeStatus = (run: PodRun, containers: ContainerStatus[], phase: string, extra: Obj = {}) => {
    const pod = current(run);
    if (!pod) return;
    c.store.update(podRes, { ...pod, status: podStatus(pod, containers, phase, c.now(), extra) }, { part: "status" });
  };

  const baseStatus = (container: Container, r?: PodRun): ContainerStatus => ({
    name: container.name,
    state: { waiting: { reason: "ContainerCreating" } },
    lastState: r?.lastTerminated ? { terminated: r.lastTerminated } : {},
    ready: false,
    restartCount: r?.restarts ?? 0,
    image: container.image,
    imageID: "",
    started: false,
  });

  const deploymentOf = (pod: KubeObject): string | undefined => {
    const rsRef = (pod.metadata.ownerReferences ?? []).find((r) => r.kind === "ReplicaSet");
    if (!rsRef) return undefined;
    const rs = c.store.get(c.res("ReplicaSet"), pod.metadata.namespace, rsRef.name);
    return (rs?.metadata.ownerReferences ?? []).find((r) => r.kind === "Deployment")?.name;
  };

  const finish = (run: PodRun, container: Container, exitCode: number, reason: string, message?: string) => {
    if (run.done) return;
    run.done = true;
    for (const t of run.timers) clearTimeout(t);
    run.timers.clear();
    logs.get(run.uid, container.name)?.end();
    const pod = current(run);
    if (!pod) return;
    const finishedAt = timestamp(c.now());
    const containerID = `containerd://${randomBytes(32).toString("hex")}`;
    const terminated = { exitCode, reason, ...(message ? { message } : {}), startedAt: run.startedAt ?? finishedAt, finishedAt, containerID };
    const status: ContainerStatus = { ...baseStatus(container, run), state: { terminated }, containerID, started: false };
    writeStatus(run, [status], exitCode === 0 ? "Succeeded" : "Failed");
  };

  const helpers = (r: PodRun, container: Container, host: string): PodRunHelpers => ({
    after: (ms, work) => after(r, ms, work),
    current: () => current(r),
    writeContainer: (state, phase, extra = {}) => writeStatus(r, [{ ...baseStatus(container, r), state, ...extra }], phase),
    record: (type, reason, message) => {
      const pod = current(r);
      if (pod) c.events.record(pod, type, reason, message, { component: "kubelet", host });
    },
  });

  const run = (pod: KubeObject) => {
    const uid = pod.metadata.uid!;
    const container = (pod.spec as { containers: Container[] }).containers[0]!;
    const podDir = join(options.tmpDir, "pods", `${pod.metadata.namespace}_${pod.metadata.name}_${uid.slice(0, 8)}`);
    const r: PodRun = { uid, namespace: pod.metadata.namespace!, name: pod.metadata.name, timers: new Set(), simulated: (pod.metadata.ownerReferences ?? []).some((o) => o.kind === "ReplicaSet"), killing: false, done: false, podDir, restarts: 0 };
    runs.set(uid, r);
    const node = c.store.get(c.res("Node"), undefined, String((pod.spec as Obj).nodeName));
    const hostIP = (((node?.status as Obj | undefined)?.addresses as { type: string; address: string }[] | undefined) ?? []).find((a) => a.type === "InternalIP")?.address ?? "192.168.0.2";
    podIpCounter += 1;
    const podIP = `10.244.0.${podIpCounter % 250}`;
    const startTime = timestamp(c.now());
    const ips = { hostIP, hostIPs: [{ ip: hostIP }], podIP, podIPs: [{ ip: podIP }], startTime };
    writeStatus(r, [baseStatus(container)], "Pending", ips);

    mkdirSync(podDir, { recursive: true });
    const volumes = materializeVolumes(c, pod, podDir);
    if (!volumes.ok) {
      c.events.record(pod, "Warning", volumes.reason, volumes.message, { component: "kubelet", host: String((pod.spec as Obj).nodeName) });
      return;
    }
    const pullPolicy = (container as { imagePullPolicy?: string }).imagePullPolicy;
    const host = { component: "kubelet", host: String((pod.spec as Obj).nodeName) };
    const pullOptions = { imagePullMs: options.imagePullMs, pullErrors: options.pullErrors, pullBackoffMs: options.imagePullBackoffMs };
    pullImage(helpers(r, container, host.host), container.image, pullPolicy, pullOptions, () => startContainer(r, container, volumes.dirs, host));
  };

  const startContainer = (r: PodRun, container: Container, dirs: ReadonlyMap<string, string>, host: { component: string; host: string }) => {
    const pod = current(r);
    if (!pod || r.done) return;
    if (pod.metadata.deletionTimestamp !== undefined) return finish(r, container, 0, "Completed");
    const env = containerEnv(c, pod, container as unknown as Obj);
    if (!env.ok) {
      const waiting = ((pod.status as Obj | undefined)?.containerStatuses as ContainerStatus[] | undefined)?.[0]?.state.waiting;
      if (waiting?.reason !== "CreateContainerConfigError" || waiting.message !== env.message) {
        writeStatus(r, [{ ...baseStatus(container), state: { waiting: { reason: "CreateContainerConfigError", message: env.message } } }], "Pending");
        c.events.record(pod, "Warning", "Failed", `Error: ${env.message}`, host);
      }
      // The kubelet retries the pod's sync; so does the double, until the reference appears.
      after(r, 200, () => startContainer(r, container, dirs, host));
      return;
    }
    c.events.record(pod, "Normal", "Created", `Created container: ${container.name}`, host);
    r.startedAt = timestamp(c.now());
    const containerID = `containerd://${randomBytes(32).toString("hex")}`;

    if (r.simulated) {
      const deployment = deploymentOf(pod) ?? "";
      const behaviour = {
        readyAfterMs: options.readyAfterMs[deployment] ?? 0,
        logLines: options.logLines[deployment] ?? [],
        crash: options.crashes[deployment],
        crashLoopBackoffMs: options.crashLoopBackoffMs,
        hasStartupProbe: Boolean((container as { startupProbe?: unknown }).startupProbe),
      };
      const names = { container: container.name, pod: pod.metadata.name, namespace: r.namespace, uid: r.uid };
      const sim: SimulatedRun = { restarts: 0, startedAt: r.startedAt };
      const h = helpers(r, container, host.host);
      const tracked: PodRunHelpers = {
        ...h,
        writeContainer: (state, phase, extra = {}) => {
          r.restarts = sim.restarts;
          r.lastTerminated = sim.lastTerminated;
          h.writeContainer(state, phase, { containerID, ...extra });
        },
      };
      runSimulated(tracked, sim, names, behaviour, () => logs.start(r.uid, container.name), () => timestamp(c.now()));
      return;
    }

    const log = logs.start(r.uid, container.name);
    const running = (ready: boolean, started: boolean): ContainerStatus => ({ ...baseStatus(container), state: { running: { startedAt: r.startedAt! } }, ready, started, containerID });
    const env2 = env.env;
    const table = mountTable(container.volumeMounts ?? [], dirs);
    for (const [k, v] of env2) env2.set(k, rewriteMountPaths(v, table));
    if (!env2.has("PATH")) env2.set("PATH", options.path);
    env2.set("HOSTNAME", pod.metadata.name);
    if (!env2.has("HOME")) env2.set("HOME", rewriteMountPaths("/root", table));
    const lookup = (n: string) => env2.get(n);
    const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => rewriteMountPaths(expandKubernetesRefs(a, lookup), table));
    const workingDir = container.workingDir ? rewriteMountPaths(container.workingDir, table) : r.podDir;
    if (workingDir.startsWith(r.podDir)) mkdirSync(workingDir, { recursive: true });
    const startError = (message: string) => {
      c.events.record(pod, "Warning", "Failed", `Error: ${message}`, host);
      finish(r, container, 128, "StartError", message);
    };
    if (argv.length === 0) return startError(`failed to create containerd task: the double knows no entrypoint for image "${container.image}": set command`);
    if (!existsSync(workingDir)) return startError(`failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: chdir to cwd ("${container.workingDir}") set in config.json failed: no such file or directory: unknown`);
    const child = spawn(argv[0]!, argv.slice(1), { env: Object.fromEntries(env2), cwd: workingDir, stdio: ["ignore", "pipe", "pipe"], detached: true });
    r.child = child;
    child.stdout!.setEncoding("utf8").on("data", (t: string) => log.write(t));
    child.stderr!.setEncoding("utf8").on("data", (t: string) => log.write(t));
    let spawnFailed = false;
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "EACCES") {
        spawnFailed = true;
        startError(`failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "${argv[0]}": ${err.code === "ENOENT" ? "executable file not found in $PATH" : "permission denied"}: unknown`);
      }
    });
    child.on("spawn", () => {
      writeStatus(r, [running(true, true)], "Running");
      c.events.record(pod, "Normal", "Started", `Started container ${container.name}`, host);
    });
    child.on("close", (code, signal) => {
      r.child = undefined;
      if (spawnFailed) return;
      const exitCode = code ?? 128 + (SIGNALS[signal ?? ""] ?? 0);
      finish(r, container, exitCode, exitCode === 0 ? "Completed" : "Error");
    });
  };

  const kill = (r: PodRun, pod: KubeObject) => {
    if (r.killing || r.done) return;
    r.killing = true;
    const container = (pod.spec as { containers: Container[] }).containers[0]!;
    c.events.record(pod, "Normal", "Killing", `Stopping container ${container.name}`, { component: "kubelet", host: String((pod.spec as Obj).nodeName) });
    const grace = pod.metadata.deletionGracePeriodSeconds ?? 30;
    if (r.child?.pid !== undefined) {
      const pid = r.child.pid;
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pid, sig);
        } catch {
          // already gone
        }
      };
      signal(grace === 0 ? "SIGKILL" : "SIGTERM");
      if (grace > 0) {
        const t = setTimeout(() => signal("SIGKILL"), grace * 1000);
        t.unref();
        r.child.once("close", () => clearTimeout(t));
      }
      return;
    }
    // Not started or simulated: stops at once.
    finish(r, container, r.simulated ? 0 : 137, r.simulated ? "Completed" : "Error");
  };

  const cleanup = (uid: string) => {
    const r = runs.get(uid);
    if (!r) return;
    if (r.child?.pid !== undefined) {
      try {
        process.kill(-r.child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    for (const t of r.timers) clearTimeout(t);
    r.done = true;
    runs.delete(uid);
    if (!options.keepPodDirs && r.podDir.startsWith(options.tmpDir) && r.podDir !== options.tmpDir) rmSync(r.podDir, { recursive: true, force: true });
  };

  const unsubscribe = c.store.subscribe((e) => {
    if (e.resource !== podRes) return;
    const pod = e.object;
    const uid = pod.metadata.uid!;
    if (e.type === "DELETED") {
      c.defer(() => cleanup(uid));
      return;
    }
    if (!(pod.spec as Obj).nodeName) return;
    const r = runs.get(uid);
    if (!r) {
      const phase = (pod.status as Obj | undefined)?.phase;
      if (phase === "Succeeded" || phase === "Failed") return;
      if (pod.metadata.deletionTimestamp !== undefined) {
        // Deleted before the kubelet started it: nothing ran.
        c.defer(() => {
          const fresh = c.store.get(podRes, pod.metadata.namespace, pod.metadata.name);
          if (fresh && fresh.metadata.uid === uid && !runs.has(uid)) c.store.update(podRes, { ...fresh, status: { ...(fresh.status as Obj), phase: "Failed" } }, { part: "status" });
        });
        return;
      }
      // A placeholder until the deferred start, so the events of this same change do not start it twice.
      runs.set(uid, { uid, namespace: "", name: "", timers: new Set(), simulated: false, killing: false, done: false, podDir: "", restarts: 0 });
      c.defer(() => {
        runs.delete(uid);
        const fresh = c.store.get(podRes, pod.metadata.namespace, pod.metadata.name);
        if (fresh && fresh.metadata.uid === uid) run(fresh);
      });
      return;
    }
    if (pod.metadata.deletionTimestamp !== undefined && !r.done) c.defer(() => kill(r, pod));
  });

  return {
    runningPids: () => [...runs.values()].flatMap((r) => (r.child?.pid !== undefined && !r.done ? [r.child.pid] : [])),
    async stop() {
      unsubscribe();
      const children = [...runs.values()].flatMap((r) => (r.child ? [r.child] : []));
      for (const uid of [...runs.keys()]) cleanup(uid);
      await Promise.all(children.map((ch) => (ch.exitCode !== null || ch.signalCode !== null ? undefined : new Promise((res) => ch.once("close", res)))));
    },
  };
}
