/**
 * The Job runner's log follower against a scripted pods/log (no cluster): resumes with sinceTime and skips by
 * (timestamp, text) after a broken stream, also when the log rotated in between (the kubelet then serves only the
 * current file, so a line count from the start would skip new lines); a stream that ends cleanly while the
 * container runs is resumed; the final re-read never replaces streamed lines. The real kubelet's behaviour is
 * checked end to end in test/k8s-real/results-never-lost.test.ts.
 */
import { PassThrough } from "node:stream";
import type { IncomingMessage } from "node:http";
import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Kube } from "./kube-client.ts";
import { rejoinOldKubeletPieces, timestampKey } from "./job-log-follower.ts";
import { runBenchJob } from "./run-bench-job.ts";

interface Line {
  ts: string;
  text: string;
}

/** A container's log as the kubelet serves it: the current file only, sinceTime, follow until the container ends. */
class ScriptedLog {
  lines: Line[] = [];
  /** Index of the first line of the current file. */
  currentFrom = 0;
  running = true;
  jobDone = false;
  requests: string[] = [];
  private streams = new Set<{ res: PassThrough & { complete?: boolean }; sent: number; since: number }>();
  private clock = Date.parse("2026-12-03T12:00:00Z");

  /** Lines written 1 ms apart (plus some nanoseconds, so several can share a millisecond in other tests). */
  write(...texts: string[]): void {
    for (const text of texts) {
      this.clock += 1;
      const ts = `${new Date(this.clock).toISOString().slice(0, 19)}.${String(this.clock % 1000).padStart(3, "0")}123456Z`;
      this.lines.push({ ts, text });
    }
    for (const s of this.streams) this.pump(s);
  }

  rotate(): void {
    this.currentFrom = this.lines.length;
  }

  /** Every open follow ends: "end" cleanly (a proxy closing the response), "destroy" as a dropped connection. */
  breakStreams(how: "end" | "destroy"): void {
    for (const s of [...this.streams]) {
      this.streams.delete(s);
      if (how === "end") {
        s.res.complete = true;
        s.res.end();
      } else s.res.destroy(new Error("socket hang up"));
    }
  }

  terminate(): void {
    this.running = false;
    this.breakStreams("end");
    this.jobDone = true;
  }

  private pump(s: { res: PassThrough; sent: number; since: number }): void {
    for (; s.sent < this.lines.length; s.sent++) {
      const l = this.lines[s.sent]!;
      if (Date.parse(l.ts) >= s.since) s.res.write(`${l.ts} ${l.text}\n`);
    }
  }

  request(path: string): IncomingMessage {
    this.requests.push(path);
    const q = new URL(path, "http://x").searchParams;
    const since = q.get("sinceTime") ? Date.parse(q.get("sinceTime")!) : 0;
    const res = new PassThrough() as PassThrough & { complete?: boolean };
    const s = { res, sent: this.currentFrom, since };
    queueMicrotask(() => {
      this.pump(s);
      if (q.get("follow") === "true" && this.running) this.streams.add(s);
      else {
        res.complete = true;
        res.end();
      }
    });
    return res as unknown as IncomingMessage;
  }
}

function fakeKube(log: ScriptedLog): Kube {
  const pod = () => ({
    metadata: { name: "vllm-bench-x" },
    spec: { nodeName: "gpu-node-1" },
    status: { phase: log.running ? "Running" : "Succeeded", containerStatuses: [{ name: "bench", state: log.running ? { running: {} } : { terminated: { exitCode: 0 } } }] },
  });
  return {
    namespace: "serving",
    server: "https://k",
    context: "t",
    batch: {
      readNamespacedJob: async () => ({ status: log.jobDone ? { conditions: [{ type: "Complete", status: "True" }] } : { active: 1 } }),
    },
    core: {
      listNamespacedPod: async () => ({ items: [pod()] }),
      readNamespacedPod: async () => pod(),
      listNamespacedEvent: async () => ({ items: [] }),
    },
    request: async (path: string) => log.request(path),
  } as unknown as Kube;
}

const JOB = { metadata: { name: "vllm-bench" }, spec: { template: { spec: { containers: [{ name: "bench" }] } } } } as V1Job;

function run(log: ScriptedLog) {
  const delivered: string[] = [];
  const outcome = runBenchJob(fakeKube(log), {
    job: JOB,
    runId: "r",
    attach: true,
    startTimeoutMs: 60_000,
    runTimeoutMs: 60_000,
    signal: new AbortController().signal,
    onStage: () => undefined,
    onLogLine: (l) => delivered.push(l),
    pollMs: 20,
  });
  return { delivered, outcome };
}

const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));
const numbered = (from: number, to: number, prefix = "line") => Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);

describe("the Job runner's log follower", () => {
  it("resumes a dropped stream with sinceTime and skips by (timestamp, text), even after a rotation took the start of the log", async () => {
    const log = new ScriptedLog();
    const { delivered, outcome } = run(log);
    log.write(...numbered(0, 50));
    await tick();
    log.breakStreams("destroy");
    log.rotate(); // the kubelet now serves only what comes next
    log.write(...numbered(50, 60));
    await tick(300);
    log.write(...numbered(60, 70));
    await tick();
    log.terminate();
    const o = await outcome;
    expect(o.end).toBe("succeeded");
    expect(delivered).toEqual(numbered(0, 70));
    expect(o.log.split("\n")).toEqual(numbered(0, 70));
    expect(o.logComplete).toBe(true);
    const resumed = log.requests.filter((p) => p.includes("follow=true"))[1]!;
    expect(decodeURIComponent(resumed)).toMatch(/sinceTime=2026-12-03T12:00:00Z/);
  });

  it("a stream ended cleanly while the container runs (a proxy, not the kubelet) is resumed without repeating a line", async () => {
    const log = new ScriptedLog();
    const { delivered, outcome } = run(log);
    log.write(...numbered(0, 20));
    await tick();
    log.breakStreams("end");
    await tick(300);
    log.write(...numbered(20, 40));
    await tick();
    log.breakStreams("end");
    log.write(...numbered(40, 45));
    await tick(300);
    log.terminate();
    const o = await outcome;
    expect(delivered).toEqual(numbered(0, 45));
    expect(log.requests.filter((p) => p.includes("follow=true")).length).toBeGreaterThanOrEqual(3);
    expect(o.logGaps).toBe(0);
  });

  it("identical lines within one millisecond are told apart by count, not lost or repeated", async () => {
    const log = new ScriptedLog();
    const { delivered, outcome } = run(log);
    log.write("a", "", "");
    // Three lines at the same timestamp as the last one: two delivered, then the break, then one more.
    const last = log.lines.at(-1)!;
    log.lines.push({ ts: last.ts, text: "" });
    await tick();
    log.breakStreams("destroy");
    log.lines.push({ ts: last.ts, text: "" });
    log.write("b");
    await tick(300);
    log.terminate();
    await outcome;
    expect(delivered).toEqual(["a", "", "", "", "", "b"]);
  });

  it("the final re-read keeps every streamed line when the kubelet now serves less (rotated), and appends what the stream missed", async () => {
    const log = new ScriptedLog();
    const { delivered, outcome } = run(log);
    log.write(...numbered(0, 30));
    await tick();
    // The stream drops for good (the API is flaky), the log rotates, more lines come, the container ends.
    log.breakStreams("destroy");
    log.rotate();
    log.write(...numbered(30, 35));
    log.running = false;
    log.jobDone = true;
    const o = await outcome;
    expect(delivered).toEqual(numbered(0, 35));
    expect(o.log.split("\n")).toEqual(numbered(0, 35));
  });

  it("a result line split by an old kubelet (< 1.26: a timestamp at each 16 KiB cut) is rejoined; other lines are left alone", () => {
    const json = JSON.stringify({ completed: 3, latencies: Array.from({ length: 3000 }, (_, i) => i / 7) });
    const cut = (s: string) => `${s.slice(0, 16384)}2026-12-03T12:00:01.123456789Z ${s.slice(16384, 32768)}2026-12-03T12:00:01.223456789Z ${s.slice(32768)}`;
    expect(rejoinOldKubeletPieces(cut(json))).toBe(json);
    expect(rejoinOldKubeletPieces(json)).toBe(json);
    const text = "INFO 2026-12-03T12:00:01.123456789Z started";
    expect(rejoinOldKubeletPieces(text)).toBe(text);
  });

  it("orders kubelet timestamps to the nanosecond, whatever the offset", () => {
    expect(timestampKey("2026-12-03T12:00:00.000000001Z")! > timestampKey("2026-12-03T12:00:00Z")!).toBe(true);
    expect(timestampKey("2026-12-03T13:00:00.5+01:00")).toBe("2026-12-03T12:00:00.500000000");
    expect(timestampKey("nonsense")).toBeNull();
  });
});
