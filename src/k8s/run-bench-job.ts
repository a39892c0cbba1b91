/**
 * Runs the sweep Job and brings its log home: deletes a previous Job of the same name (and waits until its
 * pods are gone, so two sweeps never load the server at once), creates the Job, reports the pod's stages
 * (scheduling, node provisioning, image pull, running), follows the log line by line (resuming a stream that
 * breaks, without repeating lines), and waits for the Job to complete or fail. State is polled once a second:
 * one Job and one pod do not need a watch, and a poll cannot silently miss the end.
 * Never throws for a failed Job: the outcome says what happened, so the results in the log so far are kept.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import { EnvironmentError } from "../errors.ts";
import { isKubeStatus, type Kube } from "./kube-client.ts";
import { LABEL } from "./manifest-names.ts";
import { describeKubeError } from "./kube-errors.ts";
import { describePodStage, type PodStage } from "./pod-progress.ts";
import { createObject, describeRefusal, failedCreateEvent } from "./admission.ts";
import type { Manifest } from "./load-manifests.ts";

export interface JobRunOptions {
  /** The rendered Job (name, namespace and run-id label set). */
  job: V1Job;
  runId: string;
  startTimeoutMs: number;
  runTimeoutMs: number;
  /** Ctrl-C: stop waiting, delete the Job (it would go on loading the server), keep what was logged. */
  signal: AbortSignal;
  onStage(stage: PodStage): void;
  onLogLine(line: string): void;
  /** Something the user should know that is not a stage (an API call that failed and is retried). */
  onNotice?(text: string): void;
  /** Between polls; tests shorten it. */
  pollMs?: number;
  /**
   * Attach to `job`, which already exists (`kneepoint bench --collect`), instead of creating it: its pod is found by
   * `runId` (the Job's run-id label) and followed as a created one would be.
   */
  attach?: boolean;
  /** The label selector of the Job's pods (default: the run-id label). */
  podSelector?: string;
}

export type JobEnd = "succeeded" | "failed" | "start-timeout" | "run-timeout" | "pod-deleted" | "interrupted" | "api-lost";

export interface JobOutcome {
  end: JobEnd;
  /** One sentence for the user: what happened, with Kubernetes' own reason. */
  message: string;
  /** What to do, when the outcome knows better than its caller (a pod refused by admission). */
  hint?: string;
  /** The log as received (stdout and stderr of the container). */
  log: string;
  /** When the kubelet recorded each line of `log` (epoch ms, from the API's `timestamps=true`), NaN if unknown. */
  lineTimesMs: number[];
  /** False when the log stream broke and could not be resumed to the end: later results may be missing. */
  logComplete: boolean;
  /**
   * Resumes after which lines may be missing: the stream was broken while the kubelet rotated the log file, and the
   * kubelet serves only the current file (containerLogMaxSize; `--disable-tqdm` keeps the log small).
   */
  logGaps: number;
  podName: string | null;
  nodeName: string | null;
  /** Wall-clock ms when the container started running, and when the outcome was decided. */
  startedAtMs: number | null;
  endedAtMs: number;
}

/** Waits, or less when the signal aborts (node's timer removes its abort listener: no leak over a 2 h poll loop). */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);

const duration = (ms: number): string => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/** Deletes the Job (and, with Foreground propagation, its pods) and waits until it is gone. */
export async function deleteJob(kube: Kube, name: string, opts: { waitMs: number; pollMs?: number }): Promise<boolean> {
  try {
    await kube.batch.deleteNamespacedJob({ name, namespace: kube.namespace, propagationPolicy: "Foreground" });
  } catch (err) {
    if (isKubeStatus(err, 404)) return false;
    throw describeKubeError(err, `delete the previous Job ${name}`, kube);
  }
  const deadline = Date.now() + opts.waitMs;
  while (Date.now() < deadline) {
    try {
      await kube.batch.readNamespacedJob({ name, namespace: kube.namespace });
    } catch (err) {
      if (isKubeStatus(err, 404)) return true;
      throw describeKubeError(err, `read Job ${name}`, kube);
    }
    await sleep(opts.pollMs ?? 1000);
  }
  throw new EnvironmentError(`the previous Job ${name} in ${kube.namespace} is still being deleted after ${Math.round(opts.waitMs / 1000)} s`, `check its pods: kubectl -n ${kube.namespace} get pods -l job-name=${name}`);
}

/** The Job's terminal condition, if it has one. */
function jobEnd(job: V1Job): { type: "Complete" | "Failed"; reason: string; message: string } | null {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === "Complete" || c.type === "Failed") && c.status === "True") return { type: c.type, reason: c.reason ?? "", message: c.message ?? "" };
  }
  return null;
}

/** "2026-11-23T12:00:00.123456789Z rest" → the rest and its time; a line without a timestamp keeps NaN. */
export function splitTimestamp(raw: string): { line: string; timeMs: number } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?/.exec(raw);
  if (!m) return { line: raw, timeMs: Number.NaN };
  // Date parses at most milliseconds: cut RFC 3339 nanoseconds to three digits.
  const iso = m[1]!.replace(/(\.\d{3})\d+/, "$1");
  return { line: raw.slice(m[0].length), timeMs: Date.parse(iso) };
}

/** A kubelet timestamp as a key that sorts in time order: UTC `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn` (nanoseconds kept). */
export function timestampKey(ts: string): string | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return null;
  const frac = (m[2] ?? "").padEnd(9, "0").slice(0, 9);
  if (m[3] === "Z") return `${m[1]}.${frac}`;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return Number.isNaN(ms) ? null : `${new Date(ms).toISOString().slice(0, 19)}.${frac}`;
}

/** A kubelet timestamp prefix of a log line (RFC3339NanoFixed, or any RFC 3339 time) and the space after it. */
const PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?/;

/** A raw line of `timestamps=true` output: the line, its time (epoch ms) and its key (timestampKey), when it has one. */
interface StampedLine {
  line: string;
  timeMs: number;
  key: string | null;
}

function splitStamped(raw: string): StampedLine {
  const m = PREFIX.exec(raw);
  if (!m) return { line: rejoinOldKubeletPieces(raw), timeMs: Number.NaN, key: null };
  const { line, timeMs } = splitTimestamp(raw);
  return { line: rejoinOldKubeletPieces(line), timeMs, key: timestampKey(m[1]!) };
}

/**
 * Kubelets before 1.26 served a line that containerd split into P records (longer than 16 KiB, e.g. a vLLM result
 * with per-request arrays) with a timestamp in front of EVERY piece, so the joined line holds `<RFC3339Nano> ` at
 * each cut. For a JSON line that does not parse, those prefixes are removed when the result then parses; any other
 * line is left as it came.
 */
export function rejoinOldKubeletPieces(line: string): string {
  if (!/^\s*[{[]/.test(line) || !EMBEDDED_PREFIX.test(line)) return line;
  try {
    JSON.parse(line);
    return line;
  } catch {
    const joined = line.replace(EMBEDDED_PREFIX_ALL, "");
    try {
      JSON.parse(joined);
      return joined;
    } catch {
      return line;
    }
  }
}
const EMBEDDED_PREFIX = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(?:Z|[+-]\d\d:\d\d) /;
const EMBEDDED_PREFIX_ALL = new RegExp(EMBEDDED_PREFIX.source, "g");

/** Consecutive failed polls (with back-off up to 15 s, about 3 minutes in all) before the runner gives up. */
const MAX_POLL_FAILURES = 15;

/** A stream that breaks this often in a row without delivering a line is given up on; the outcome then says the log is incomplete. */
const MAX_LOG_BREAKS = 10;

/**
 * Where a stream resumes: `sinceTime` (the API takes RFC 3339 with whole seconds, so the second of the last line
 * delivered) and what of the answer was delivered already. The answer starts, in log order, with the lines of that
 * second; it may start with the tail of a long line whose first piece is older than sinceTime (the kubelet filters
 * record by record). Already delivered: a line whose (timestamp, text) was delivered, or one older than the last
 * delivered line, until the first new line; from there on every line is new. Never a line count from the start:
 * after a log rotation the start of the log is gone and a count would skip new lines.
 */
class ResumePoint {
  readonly sinceTime: string | null;
  private readonly delivered = new Map<string, number>();
  private readonly lastKey: string | null;
  /** Logs without timestamps (never with timestamps=true): the old rule, skip as many lines as were delivered. */
  private countSkip = 0;
  private overlapping = true;
  /** The last delivered line was found again (or nothing had been delivered). */
  anchored: boolean;
  /** New lines came after the overlap without the anchor: the log rotated while no stream was open. */
  gap = false;

  constructor(lines: readonly string[], keys: readonly (string | null)[]) {
    let last = keys.length - 1;
    while (last >= 0 && keys[last] === null) last--;
    this.lastKey = last >= 0 ? keys[last]! : null;
    this.anchored = lines.length === 0;
    if (this.lastKey === null) {
      this.sinceTime = null;
      this.countSkip = lines.length;
      return;
    }
    const second = this.lastKey.slice(0, 19);
    this.sinceTime = `${second}Z`;
    for (let i = last; i >= 0; i--) {
      const k = keys[i];
      if (k === null || k === undefined) continue;
      if (k < second) break;
      const id = `${k} ${lines[i]}`;
      this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
    }
  }

  /** True when the line was delivered before (skip it). */
  seen(s: StampedLine): boolean {
    if (this.countSkip > 0) {
      this.countSkip--;
      return true;
    }
    if (!this.overlapping) return false;
    const id = `${s.key} ${s.line}`;
    const n = s.key === null ? 0 : (this.delivered.get(id) ?? 0);
    if (n > 0) {
      this.delivered.set(id, n - 1);
      this.anchored = true;
      return true;
    }
    if (this.lastKey !== null && (s.key === null || s.key < this.lastKey)) return true;
    this.overlapping = false;
    if (!this.anchored) this.gap = true;
    return false;
  }
}

/**
 * Follows one pod's log. A stream that breaks (an error), or that ends cleanly while the container still runs (an
 * API server or proxy ending a long response; the kubelet itself follows across its log rotation), is resumed
 * with sinceTime from the last line delivered, skipping what was delivered by (timestamp, text): see ResumePoint.
 */
class LogFollower {
  private lines: string[] = [];
  readonly times: number[] = [];
  private keys: (string | null)[] = [];
  private partial = "";
  private running: Promise<void> | null = null;
  private controller = new AbortController();
  /** Failed streams in a row without a new line. */
  breaks = 0;
  /** Streams that ended cleanly while the container still ran (resumed). */
  cleanEnds = 0;
  /** Streams in a row that brought no new line (the resume waits longer after each). */
  private idleStreams = 0;
  /** Resumes after which lines may be missing (the log rotated while no stream was open). */
  gaps = 0;
  ended = false;

  constructor(
    private readonly kube: Kube,
    private readonly pod: string,
    private readonly container: string,
    private readonly onLine: (line: string) => void,
  ) {}

  get text(): string {
    return this.lines.join("\n") + (this.partial ? "\n" + this.partial : "");
  }

  /** Starts (or resumes) following unless a stream is open or the log ended. */
  ensure(): void {
    if (this.running || this.ended || this.breaks > MAX_LOG_BREAKS || this.controller.signal.aborted) return;
    this.running = this.follow().finally(() => {
      this.running = null;
      // Resumed at once (not at the runner's next poll), later after streams that brought nothing: the kubelet
      // serves only the current file, so what is written between a break and a rotation is readable only until then.
      if (!this.ended && !this.controller.signal.aborted) void sleep(this.idleStreams === 0 ? 0 : Math.min(100 * 2 ** (this.idleStreams - 1), 5000), this.controller.signal).then(() => this.ensure());
    });
  }

  async settle(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    const done = new AbortController();
    await Promise.race([this.running, sleep(timeoutMs, done.signal)]);
    done.abort(); // clears the timer, which would otherwise keep the process alive
  }

  stop(): void {
    this.controller.abort();
  }

  private logPath(extra: string, since: string | null): string {
    return `/api/v1/namespaces/${this.kube.namespace}/pods/${this.pod}/log?container=${encodeURIComponent(this.container)}&timestamps=true${extra}${since ? `&sinceTime=${encodeURIComponent(since)}` : ""}`;
  }

  /**
   * Reads the log once more, without follow, from the last line delivered, and appends what the stream did not
   * deliver: the results never depend on how well a long-lived stream survived proxies and idle timeouts. The lines
   * streamed are kept whatever this read returns (after a rotation the kubelet serves only the current file).
   */
  async reread(): Promise<boolean> {
    this.stop();
    await this.settle(5000);
    try {
      const from = new ResumePoint(this.lines, this.keys);
      const res = await this.kube.request(this.logPath("", from.sinceTime), { signal: AbortSignal.timeout(60_000) });
      let text = "";
      res.setEncoding("utf8");
      for await (const chunk of res) text += chunk as string;
      const raw = text.split("\n");
      if (raw.at(-1) === "") raw.pop();
      const before = this.lines.length;
      for (const r of raw) this.take(splitStamped(r), from);
      if (from.gap) this.gaps++;
      if (this.lines.length > before || raw.length > 0) this.partial = "";
      this.ended = true;
      return true;
    } catch {
      return false;
    }
  }

  private take(s: StampedLine, from: ResumePoint): boolean {
    if (from.seen(s)) return false;
    this.lines.push(s.line);
    this.times.push(s.timeMs);
    this.keys.push(s.key);
    this.onLine(s.line);
    return true;
  }

  /** Whether the container still runs (unknown counts as running: the runner's poll decides the end). */
  private async containerRunning(): Promise<boolean> {
    try {
      const pod = await this.kube.core.readNamespacedPod({ name: this.pod, namespace: this.kube.namespace });
      const state = pod.status?.containerStatuses?.find((c) => c.name === this.container)?.state;
      return !state?.terminated;
    } catch {
      return true;
    }
  }

  private counted(fresh: number, from: ResumePoint): void {
    if (fresh > 0) this.breaks = this.idleStreams = 0;
    else this.idleStreams++;
    if (from.gap) this.gaps++;
  }

  private async follow(): Promise<void> {
    const from = new ResumePoint(this.lines, this.keys);
    const signal = this.controller.signal;
    let carry = "";
    let fresh = 0;
    // timestamps=true: each line starts with the kubelet's RFC 3339 time of the line, which dates the steps and
    // tells where to resume.
    try {
      const res = await this.kube.request(this.logPath("&follow=true", from.sinceTime), { signal });
      res.setEncoding("utf8");
      await new Promise<void>((resolve, reject) => {
        res.on("data", (chunk: string) => {
          if (signal.aborted) return;
          const parts = (carry + chunk).split("\n");
          carry = parts.pop() ?? "";
          for (const raw of parts) if (this.take(splitStamped(raw), from)) fresh++;
          this.partial = splitTimestamp(carry).line;
        });
        res.on("end", resolve);
        res.on("aborted", () => reject(new Error("log stream aborted")));
        res.on("error", reject);
        res.on("close", () => (res.complete ? resolve() : reject(new Error("log stream closed early"))));
      });
      this.counted(fresh, from);
      // A clean end: the kubelet ends a follow when the container terminates. An API server or proxy may end it
      // earlier: then the unfinished line (if any) comes again, whole, from the next stream.
      if (await this.containerRunning()) {
        if (signal.aborted) return;
        this.cleanEnds++;
        this.partial = "";
        return;
      }
      if (signal.aborted) return;
      if (carry) {
        this.take(splitStamped(carry), from);
        this.partial = "";
      }
      this.ended = true;
    } catch {
      if (signal.aborted) return;
      this.counted(fresh, from);
      this.breaks++;
      this.partial = "";
    }
  }
}

export async function runBenchJob(kube: Kube, opts: JobRunOptions): Promise<JobOutcome> {
  const name = opts.job.metadata!.name!;
  const container = opts.job.spec!.template.spec!.containers[0]!.name;
  const pollMs = opts.pollMs ?? 1000;
  if (!opts.attach) {
    const created = await createObject(kube, opts.job as Manifest, `create Job ${name} in namespace ${kube.namespace}`);
    for (const w of created.warnings) opts.onNotice?.(`warning from the API server on Job ${name}: ${w}`);
  }

  const createdAt = Date.now();
  let startedAtMs: number | null = null;
  let podName: string | null = null;
  let nodeName: string | null = null;
  let lastStage = "";
  let stage: PodStage = { kind: "scheduling", text: "waiting for the Job's pod" };
  let follower: LogFollower | null = null;
  let failures = 0;
  const outcome = (end: JobEnd, message: string, hint?: string): JobOutcome => ({
    end,
    message,
    ...(hint ? { hint } : {}),
    log: follower?.text ?? "",
    lineTimesMs: follower?.times ?? [],
    logComplete: follower?.ended ?? false,
    logGaps: follower?.gaps ?? 0,
    podName,
    nodeName,
    startedAtMs,
    endedAtMs: Date.now(),
  });

  try {
    for (;;) {
      if (opts.signal.aborted) return outcome("interrupted", "stopped by Ctrl-C");
      let job: V1Job;
      let pods: Awaited<ReturnType<Kube["core"]["listNamespacedPod"]>>;
      try {
        [job, pods] = await Promise.all([
          kube.batch.readNamespacedJob({ name, namespace: kube.namespace }),
          kube.core.listNamespacedPod({ namespace: kube.namespace, labelSelector: opts.podSelector ?? `${LABEL.runId}=${opts.runId}` }),
        ]);
        failures = 0;
      } catch (err) {
        if (isKubeStatus(err, 404)) return outcome("failed", `the Job ${name} was deleted from outside while the sweep ran`);
        // A blip (a 5xx, a VPN hiccup, a token refresh) must not lose a sweep that is still running in the cluster.
        const error = describeKubeError(err, `read Job ${name}`, kube);
        if (++failures > MAX_POLL_FAILURES) return outcome("api-lost", `lost the Kubernetes API for ${failures} polls in a row: ${error.message}`);
        opts.onNotice?.(`${error.message}; retrying (${failures}/${MAX_POLL_FAILURES})`);
        await sleep(Math.min(pollMs * 2 ** failures, 15_000), opts.signal);
        continue;
      }
      const pod: V1Pod | undefined = pods.items.find((p) => p.metadata?.name === podName) ?? pods.items[0];
      if (podName && !pods.items.some((p) => p.metadata?.name === podName) && !jobEnd(job)) {
        // Our pod vanished and the Job has not ended (yet): with backoffLimit 0 it will fail shortly.
        await follower?.settle(2000);
        return outcome("pod-deleted", `the Job's pod ${podName} was deleted while the sweep ran`);
      }
      if (pod?.metadata?.name && pod.metadata.name !== podName) {
        podName = pod.metadata.name;
        follower?.stop();
        follower = null;
      }
      if (!pod && !jobEnd(job)) {
        // No pod: admission (Pod Security, a quota, a LimitRange, a webhook) may have refused it. Say so now,
        // not after START_TIMEOUT: the Job controller only records a FailedCreate event and retries.
        const refusal = await failedCreateEvent(kube, "Job", name);
        if (refusal) {
          const error = describeRefusal(refusal, `the Job ${name}`, kube.namespace);
          return outcome("start-timeout", error.message, error.hint);
        }
      }
      if (pod) {
        nodeName = pod.spec?.nodeName ?? nodeName;
        const events = stage.kind === "running" ? [] : await podEvents(kube, pod);
        stage = describePodStage(pod, events, { container });
        if (stage.text !== lastStage) {
          lastStage = stage.text;
          opts.onStage(stage);
        }
        const started = pod.status?.containerStatuses?.find((c) => c.name === container)?.state;
        if ((started?.running || started?.terminated) && podName) {
          startedAtMs ??= Date.now();
          follower ??= new LogFollower(kube, podName, container, opts.onLogLine);
          follower.ensure();
        }
        if (stage.kind === "stuck") return outcome("start-timeout", `the pod cannot start: ${stage.text}`);
      }
      const end = jobEnd(job);
      if (end) {
        // The container has terminated: the follow stream ends by itself; give it time to deliver the tail.
        if (follower) {
          follower.ensure();
          await follower.settle(10_000);
          await follower.reread();
        }
        if (end.type === "Complete") return outcome("succeeded", "the Job completed");
        const exit = pod?.status?.containerStatuses?.find((c) => c.name === container)?.state?.terminated;
        const why = [end.reason, end.message].filter(Boolean).join(": ");
        const failed = `the Job failed${why ? ` (${why})` : ""}`;
        // The kubelet's eviction manager (node pressure) or an API eviction (a drain): the container did not fail, the node took it away.
        if (pod?.status?.reason === "Evicted" || pod?.status?.conditions?.some((c) => c.type === "DisruptionTarget" && c.status === "True")) {
          const reason = pod.status?.message?.replace(/\s+/g, " ").trim() || pod.status?.conditions?.find((c) => c.type === "DisruptionTarget")?.message || "no reason given";
          return outcome(
            "failed",
            `the Job's pod ${podName} was evicted from ${nodeName ?? "its node"}: ${reason}; ${failed}`,
            `the node ran short of a resource or was drained, not the sweep: rerun make bench (the steps above are kept); if the node keeps running out, give the Job an ephemeral-storage request in benchmarks/job.yaml or run it on another node`,
          );
        }
        return outcome("failed", `${failed}${exit ? `; the container exited with code ${exit.exitCode}${exit.reason ? ` (${exit.reason})` : ""}` : ""}`);
      }
      const now = Date.now();
      if (startedAtMs === null && now - createdAt > opts.startTimeoutMs) {
        return outcome("start-timeout", `the Job's pod did not start within ${duration(opts.startTimeoutMs)}; it stalled at: ${stage.text}`);
      }
      if (startedAtMs !== null && now - startedAtMs > opts.runTimeoutMs) {
        return outcome("run-timeout", `the sweep ran longer than ${duration(opts.runTimeoutMs)}`);
      }
      await sleep(pollMs, opts.signal);
    }
  } finally {
    follower?.stop();
  }
}

/** The pod's events, newest last; none when the caller may not list events (RBAC), which only costs detail. */
async function podEvents(kube: Kube, pod: V1Pod): Promise<CoreV1Event[]> {
  try {
    const list = await kube.core.listNamespacedEvent({ namespace: kube.namespace, fieldSelector: `involvedObject.name=${pod.metadata?.name ?? ""}` });
    return list.items;
  } catch {
    return [];
  }
}
