/**
 * The Job pod's log as the runner follows it through pods/log (timestamps=true): a follow stream, resumed after it
 * breaks or ends while the container still runs, by `sinceTime` and (timestamp, text) — never by counting lines,
 * since a log rotation takes the start away — and one final non-follow read that only appends. Also the kubelet's
 * timestamp prefix, and old kubelets' (< 1.26) timestamps inside a long line cut into pieces. Used by run-bench-job.ts.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Kube } from "./kube-client.ts";

/** Waits, or less when the signal aborts. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);

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
export class LogFollower {
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
