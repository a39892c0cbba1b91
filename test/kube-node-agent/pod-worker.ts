/**
 * One pod on the node, as the kubelet's pod worker + kuberuntime manager run it:
 * 1. "sandbox": a pod IP on lo (pod-network.ts), status Pending with hostIP/podIP/startTime;
 * 2. volumes (pod-volumes.ts), FailedMount events and retries until they can be set up;
 * 3. init containers one after the other, each to a successful exit (restarted per restartPolicy), then all
 *    containers, each supervised on its own: image "pull" (the Pulled event: the image is never pulled, the PATH
 *    stands in for it), env (CreateContainerConfigError + retry), Created, the process (container-process.ts),
 *    Started, probes (probes.ts), exit → terminated state, restart per restartPolicy with the crash-loop back-off
 *    (kubelet: 10 s doubled per restart up to 5 min; the first restart immediate) and the BackOff event;
 * 4. termination: deletionTimestamp → "Stopping container X", SIGTERM to the process group, SIGKILL after
 *    deletionGracePeriodSeconds, the final status, then DELETE with gracePeriodSeconds 0 and a uid precondition
 *    (the status manager's last step; without it the pod stays Terminating). evict() is the eviction manager's
 *    killPod: phase Failed, reason Evicted, DisruptionTarget condition, the pod object left for the GC.
 * Status writes go through pods/status with the node's credentials (GET + PUT, retried on conflicts), coalesced.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { V1Container, V1ContainerState, V1Pod } from "@kubernetes/client-node";
import { expandKubernetesRefs } from "./expand-kubernetes-refs.ts";
import { mountTable, rewriteMountPaths } from "./mount-paths.ts";
import { type ApiClient, ApiError, rfc3339 } from "./api-client.ts";
import { containerEnv } from "./container-env.ts";
import { lookPath, type RunningProcess, startError, startProcess } from "./container-process.ts";
import { CriLogFile } from "./cri-log-file.ts";
import { containerFieldPath, type EventRecorder } from "./events.ts";
import type { PodNetwork } from "./pod-network.ts";
import type { PodSources } from "./pod-sources.ts";
import { buildStatus, type ContainerView, formatPod, goDuration, type PodView } from "./pod-status.ts";
import { materializeVolumes } from "./pod-volumes.ts";
import { startProbes } from "./probes.ts";

export interface WorkerConfig {
  nodeName: string;
  hostIP: string;
  path: string;
  podsDir: string;
  logsDir: string;
  apiHost: string;
  apiPort: number;
  allocatable: Record<string, string>;
  crashLoopBackoffMs: number;
  crashLoopBackoffMaxMs: number;
  partialLineBytes: number;
  probeTimeScale: number;
  /** How often a pod waiting on a missing ConfigMap/Secret or a failed mount is retried. */
  syncRetryMs: number;
  onError(err: unknown): void;
  /** The pod's hosts file, bind-mounted over /etc/hosts in the container's mount namespace (optional). */
  hostsFile?: (namespace: string, pod: { name: string; ip: string }) => string;
}

/** One container's instances and log files (for /containerLogs). */
export interface ContainerLogs {
  /** Log file of each instance, by restartCount. */
  files: Map<number, string>;
  current?: CriLogFile;
  running: boolean;
}

interface ContainerRun extends ContainerView {
  spec: V1Container;
  proc?: RunningProcess;
  log?: CriLogFile;
  stopProbes?: () => void;
  logs: ContainerLogs;
  /** Times this container has terminated (for the back-off). */
  exits: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PodWorker {
  pod: V1Pod;
  readonly uid: string;
  private readonly view: PodView;
  private readonly runs: ContainerRun[];
  private readonly podDir: string;
  private readonly podLogDir: string;
  private terminating?: { graceSeconds: number; done: Promise<void>; resolve: () => void };
  private wake: (() => void)[] = [];
  private statusDirty = false;
  private statusWriting?: Promise<void>;
  private finished = false;
  private stopped = false;
  private deleted = false;
  private deleting = false;
  private volumeDirs = new Map<string, string>();
  private mainDone?: Promise<void>;

  constructor(
    pod: V1Pod,
    private readonly api: ApiClient,
    private readonly sources: PodSources,
    private readonly net: PodNetwork,
    private readonly events: EventRecorder,
    private readonly cfg: WorkerConfig,
  ) {
    this.pod = pod;
    this.uid = pod.metadata!.uid!;
    const ns = pod.metadata!.namespace!;
    this.podDir = join(cfg.podsDir, this.uid);
    this.podLogDir = join(cfg.logsDir, `${ns}_${pod.metadata!.name}_${this.uid}`);
    const mk = (c: V1Container, init: boolean): ContainerRun => ({
      name: c.name,
      image: c.image ?? "",
      init,
      spec: c,
      state: { waiting: { reason: init ? "PodInitializing" : "ContainerCreating" } },
      lastState: {},
      ready: false,
      started: false,
      restartCount: 0,
      everRan: false,
      exits: 0,
      logs: { files: new Map(), running: false },
    });
    this.runs = [...(pod.spec?.initContainers ?? []).map((c) => mk(c, true)), ...(pod.spec?.containers ?? []).map((c) => mk(c, false))];
    for (const r of this.runs) if (r.init) r.state = { waiting: { reason: "PodInitializing" } };
    if (this.runs.some((r) => r.init)) for (const r of this.runs) if (!r.init) r.state = { waiting: { reason: "PodInitializing" } };
    this.view = { pod, hostIP: cfg.hostIP, startTime: rfc3339(), sandboxReady: false, containers: this.runs, terminal: false };
  }

  get namespace(): string {
    return this.pod.metadata!.namespace!;
  }
  get name(): string {
    return this.pod.metadata!.name!;
  }
  get podIP(): string | undefined {
    return this.view.podIP;
  }

  /** Pids of running containers. */
  pids(): number[] {
    return this.runs.flatMap((r) => (r.proc && r.logs.running ? [r.proc.pid] : []));
  }

  containerLogs(container: string): ContainerLogs | undefined {
    return this.runs.find((r) => r.name === container)?.logs;
  }

  /** Status fields of a container, for /containerLogs's previous check. */
  container(name: string): ContainerView | undefined {
    return this.runs.find((r) => r.name === name);
  }

  start(): void {
    this.mainDone = this.main().catch((err) => this.cfg.onError(err));
  }

  /** A newer version of the pod from the watch. */
  update(pod: V1Pod): void {
    this.pod = pod;
    this.view.pod = pod;
    if (pod.metadata?.deletionTimestamp && !this.deleting) {
      this.deleting = true;
      const grace = pod.metadata.deletionGracePeriodSeconds ?? 30;
      void this.terminate(grace)
        .then(() => (this.stopped ? undefined : this.deletePod()))
        .catch((err) => this.cfg.onError(err));
    }
  }

  /** The eviction manager's killPod: containers killed at once, phase Failed / Evicted, DisruptionTarget. */
  async evict(message: string): Promise<void> {
    this.events.record(this.pod, "Warning", "Evicted", message);
    this.view.evicted = { message };
    await this.terminate(1);
  }

  /** The agent stops: kill everything now, no more API writes. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.runs) r.proc?.signal("SIGKILL");
    this.wakeAll();
    await Promise.all(this.runs.map((r) => r.proc?.exited));
    await this.releaseSandbox();
  }

  /** The pod object is gone: remove its files. */
  forget(): void {
    this.deleted = true;
    this.stopped = true;
    for (const r of this.runs) r.proc?.signal("SIGKILL");
    this.wakeAll();
    void Promise.all(this.runs.map((r) => r.proc?.exited)).then(async () => {
      await this.releaseSandbox();
      rmSync(this.podDir, { recursive: true, force: true });
      rmSync(this.podLogDir, { recursive: true, force: true });
    });
  }

  private get ended(): boolean {
    return this.stopped || this.terminating !== undefined;
  }

  private wakeAll(): void {
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  /** Sleeps ms, or less when the pod starts terminating. */
  private pause(ms: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake.push(done);
    });
  }

  private record(type: "Normal" | "Warning", reason: string, message: string, container?: string): void {
    if (this.stopped) return;
    this.events.record(this.pod, type, reason, message, container ? containerFieldPath(this.pod, container) : undefined);
  }

  // ---- status ----

  private writeStatus(): void {
    if (this.stopped || this.deleted) return;
    this.statusDirty = true;
    if (!this.statusWriting) this.statusWriting = this.statusLoop().finally(() => (this.statusWriting = undefined));
  }

  private async statusLoop(): Promise<void> {
    while (this.statusDirty && !this.stopped) {
      this.statusDirty = false;
      try {
        await this.putStatus();
      } catch (err) {
        this.cfg.onError(err);
        await sleep(200);
      }
    }
  }

  private async flushStatus(): Promise<void> {
    while (this.statusWriting) await this.statusWriting;
  }

  private async putStatus(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/pods/${this.name}`;
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.api.getOrUndefined<V1Pod>(path);
      if (!current || current.metadata?.uid !== this.uid) return;
      const status = buildStatus(this.view, current.status);
      const r = await this.api.raw("PUT", `${path}/status`, { ...current, status });
      if (r.status === 409) continue;
      if (r.status === 404) return;
      if (r.status >= 300) throw new ApiError(r.status, "PUT", `${path}/status`, r.text);
      return;
    }
  }

  // ---- lifecycle ----

  private async main(): Promise<void> {
    const podIP = await this.net.allocate();
    this.view.podIP = podIP;
    this.view.sandboxReady = true;
    if (this.stopped) return this.releaseSandbox();
    mkdirSync(this.podDir, { recursive: true });
    this.writeStatus();

    // Volumes, retried until they can be set up (FailedMount).
    let lastMountError = "";
    while (!this.ended) {
      const v = await materializeVolumes(this.sources, this.pod, this.podDir, this.cfg.allocatable);
      if (v.ok) {
        this.volumeDirs = v.dirs;
        break;
      }
      if (v.message !== lastMountError) this.record("Warning", "FailedMount", v.message);
      lastMountError = v.message;
      await this.pause(this.cfg.syncRetryMs);
    }

    let initOk = true;
    for (const r of this.runs.filter((x) => x.init)) {
      if (this.ended) break;
      await this.supervise(r);
      if (r.state.terminated?.exitCode !== 0) {
        initOk = false;
        break;
      }
    }
    if (initOk && !this.ended) {
      for (const r of this.runs.filter((x) => !x.init)) r.state = { waiting: { reason: "ContainerCreating" } };
      this.writeStatus();
      await Promise.all(this.runs.filter((x) => !x.init).map((r) => this.supervise(r)));
    }
    if (this.terminating) return; // terminate() finishes the pod
    if (this.stopped) return;
    // Terminal by itself (Succeeded/Failed): the sandbox goes, the status stays.
    this.finished = true;
    await this.releaseSandbox();
    this.writeStatus();
    await this.flushStatus();
  }

  private async releaseSandbox(): Promise<void> {
    if (!this.view.podIP || !this.view.sandboxReady) return;
    this.view.sandboxReady = false;
    await this.net.release(this.view.podIP);
  }

  /** Runs one container until it will not be restarted (or the pod terminates). */
  private async supervise(r: ContainerRun): Promise<void> {
    const policy = this.pod.spec?.restartPolicy ?? "Always";
    for (;;) {
      if (this.ended) return;
      const exitCode = await this.runOnce(r);
      if (this.ended || exitCode === undefined) return;
      const restart = r.init ? exitCode !== 0 && policy !== "Never" : policy === "Always" || (policy === "OnFailure" && exitCode !== 0);
      if (!restart) return;
      r.exits += 1;
      // Crash-loop back-off: the first restart is immediate, then base·2^(n-1), capped.
      const backoff = r.exits <= 1 ? 0 : Math.min(this.cfg.crashLoopBackoffMs * 2 ** (r.exits - 2), this.cfg.crashLoopBackoffMaxMs);
      if (backoff > 0) {
        r.lastState = { terminated: r.state.terminated };
        r.state = { waiting: { reason: "CrashLoopBackOff", message: `back-off ${goDuration(backoff)} restarting failed container=${r.name} pod=${formatPod(this.pod)}` } };
        this.record("Warning", "BackOff", `Back-off restarting failed container ${r.name} in pod ${formatPod(this.pod)}`, r.name);
        this.writeStatus();
        await this.pause(backoff);
        if (this.ended) return;
      }
    }
  }

  /** One instance of the container: resolves with its exit code, or undefined if the pod ended before it ran. */
  private async runOnce(r: ContainerRun): Promise<number | undefined> {
    const pod = this.pod;
    const c = r.spec;
    // Image: never pulled; the kubelet's message for a present image (KubeletEnsureSecretPulledImages, beta in 1.35+).
    this.record("Normal", "Pulled", `Container image "${c.image}" already present on machine and can be accessed by the pod`, r.name);

    // Environment, retried while a ConfigMap/Secret is missing.
    let env: Map<string, string> | undefined;
    let lastConfigError = "";
    while (!this.ended) {
      let result;
      try {
        result = await containerEnv(this.sources, pod, c, { podIP: this.view.podIP ?? "", hostIP: this.cfg.hostIP, apiHost: this.cfg.apiHost, apiPort: this.cfg.apiPort, nodeAllocatable: this.cfg.allocatable });
      } catch (err) {
        // A 403 right after the pod was bound: the Node authorizer's graph has not seen the pod yet.
        result = { ok: false as const, message: err instanceof ApiError ? err.apiMessage : (err as Error).message };
      }
      if (result.ok) {
        env = result.env;
        break;
      }
      if (result.message !== lastConfigError || !r.state.waiting || r.state.waiting.reason !== "CreateContainerConfigError") {
        r.state = { waiting: { reason: "CreateContainerConfigError", message: result.message } };
        this.writeStatus();
      }
      this.record("Warning", "Failed", `Error: ${result.message}`, r.name);
      lastConfigError = result.message;
      await this.pause(this.cfg.syncRetryMs);
    }
    if (!env || this.ended) return undefined;

    const table = mountTable((c.volumeMounts ?? []) as never, this.volumeDirs);
    for (const [k, v] of env) env.set(k, rewriteMountPaths(v, table));
    if (!env.has("PATH")) env.set("PATH", this.cfg.path);
    if (!env.has("HOSTNAME")) env.set("HOSTNAME", pod.spec?.hostname ?? pod.metadata!.name!);
    if (!env.has("HOME")) env.set("HOME", rewriteMountPaths("/root", table));
    const lookup = (n: string) => env!.get(n);
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => rewriteMountPaths(expandKubernetesRefs(a, lookup), table));
    const workingDir = c.workingDir ? rewriteMountPaths(c.workingDir, table) : this.podDir;
    if (workingDir.startsWith(this.podDir)) mkdirSync(workingDir, { recursive: true });

    const containerID = `containerd://${randomBytes(32).toString("hex")}`;
    const now = rfc3339();
    const fail = (message: string) => {
      this.record("Warning", "Failed", `Error: ${message}`, r.name);
      r.lastState = r.everRan ? { terminated: r.lastState.terminated ?? r.state.terminated } : r.lastState;
      r.state = { terminated: { exitCode: 128, reason: "StartError", message, startedAt: new Date(0).toISOString().replace(".000", "") as unknown as Date, finishedAt: now as unknown as Date, containerID } };
      r.containerID = containerID;
      r.everRan = true;
      this.writeStatus();
      return 128;
    };
    if (c.command === undefined || c.command.length === 0) {
      this.record("Normal", "Created", `Created container: ${r.name}`, r.name);
      return this.bumpRestart(r, () => fail(startError("", "no-command")));
    }
    const executable = lookPath(argv[0]!, env.get("PATH") ?? "", workingDir);
    if (!executable) {
      this.record("Normal", "Created", `Created container: ${r.name}`, r.name);
      return this.bumpRestart(r, () => fail(startError(argv[0]!, "missing")));
    }

    mkdirSync(join(this.podLogDir, r.name), { recursive: true });
    const restartCount = r.everRan ? r.restartCount + 1 : 0;
    const logPath = join(this.podLogDir, r.name, `${restartCount}.log`);
    const log = new CriLogFile(logPath, this.cfg.partialLineBytes);
    this.record("Normal", "Created", `Created container: ${r.name}`, r.name);
    const hosts = this.cfg.hostsFile && this.view.podIP ? this.cfg.hostsFile(this.pod.metadata!.namespace!, { name: this.pod.metadata!.name!, ip: this.view.podIP }) : undefined;
    const proc = hosts
      ? startProcess("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, executable, ...argv.slice(1)], Object.fromEntries(env), workingDir, log)
      : startProcess(executable, argv.slice(1), Object.fromEntries(env), workingDir, log);
    const startedAtMs = Date.now();
    if (r.everRan) {
      r.lastState = { terminated: r.state.terminated ?? r.lastState.terminated };
      r.restartCount = restartCount;
    }
    r.everRan = true;
    r.proc = proc;
    r.log = log;
    r.containerID = containerID;
    r.logs.files.set(restartCount, logPath);
    r.logs.current = log;
    r.logs.running = true;
    r.ready = false;
    r.started = false;
    const startedAt = rfc3339(new Date(startedAtMs));
    r.state = { running: { startedAt: startedAt as unknown as Date } };
    this.writeStatus();
    this.record("Normal", "Started", `Started container ${r.name}`, r.name);

    if (!r.init) {
      r.stopProbes = startProbes(c, { podIP: this.view.podIP ?? "", env: Object.fromEntries(env), cwd: workingDir, timeScale: this.cfg.probeTimeScale }, startedAtMs, {
        started: () => {
          r.started = true;
          this.writeStatus();
        },
        ready: (ok) => {
          if (r.ready === ok) return;
          r.ready = ok;
          this.writeStatus();
        },
        unhealthy: (kind, output) => this.record("Warning", "Unhealthy", `${kind} probe failed: ${output}`, r.name),
        kill: (_kind, message) => {
          this.record("Normal", "Killing", message, r.name);
          this.killProcess(r, this.pod.spec?.terminationGracePeriodSeconds ?? 30);
        },
      });
    } else {
      r.started = false;
    }

    const exit = await proc.exited;
    r.stopProbes?.();
    r.stopProbes = undefined;
    log.close();
    r.logs.running = false;
    r.proc = undefined;
    r.ready = false;
    r.started = false;
    const state: V1ContainerState = {
      terminated: {
        exitCode: exit.exitCode,
        reason: exit.exitCode === 0 ? "Completed" : "Error",
        startedAt: startedAt as unknown as Date,
        finishedAt: rfc3339() as unknown as Date,
        containerID,
      },
    };
    r.state = state;
    this.writeStatus();
    return exit.exitCode;
  }

  /** A failed start counts as an instance too (restartCount goes up on the next attempt). */
  private bumpRestart(r: ContainerRun, fail: () => number): number {
    if (r.everRan) r.restartCount += 1;
    return fail();
  }

  private killProcess(r: ContainerRun, graceSeconds: number): void {
    const proc = r.proc;
    if (!proc) return;
    if (graceSeconds <= 0) {
      proc.signal("SIGKILL");
      return;
    }
    proc.signal("SIGTERM");
    const t = setTimeout(() => proc.signal("SIGKILL"), graceSeconds * 1000);
    t.unref();
    void proc.exited.then(() => clearTimeout(t));
  }

  /** Kills the containers (SIGTERM, SIGKILL after the grace period) and writes the final status. */
  private async terminate(graceSeconds: number): Promise<void> {
    if (this.terminating) return this.terminating.done;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.terminating = { graceSeconds, done, resolve };
    this.wakeAll();
    try {
      const wasTerminal = this.finished;
      for (const r of this.runs) {
        if (!r.proc) continue;
        this.record("Normal", "Killing", `Stopping container ${r.name}`, r.name);
        this.killProcess(r, graceSeconds);
      }
      await Promise.all(this.runs.map((r) => r.proc?.exited));
      await this.mainDone;
      this.view.terminal = true;
      for (const r of this.runs) {
        // Containers that never ran end as the kubelet reports them for a pod killed before start.
        if (r.state.waiting && !r.everRan) r.state = { terminated: { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located when the pod was terminated" } };
        else if (r.state.waiting && r.lastState.terminated) r.state = { terminated: r.lastState.terminated };
      }
      await this.releaseSandbox();
      if (!this.stopped && !wasTerminal) {
        this.writeStatus();
        await this.flushStatus();
      }
    } finally {
      resolve();
    }
  }

  /** DELETE with gracePeriodSeconds 0 and a uid precondition (the kubelet's status manager, once the pod is terminal). */
  async deletePod(): Promise<void> {
    const r = await this.api.raw("DELETE", `/api/v1/namespaces/${this.namespace}/pods/${this.name}`, {
      apiVersion: "v1",
      kind: "DeleteOptions",
      gracePeriodSeconds: 0,
      preconditions: { uid: this.uid },
    });
    if (r.status >= 300 && r.status !== 404 && r.status !== 409) throw new ApiError(r.status, "DELETE", `pods/${this.name}`, r.text);
  }
}
