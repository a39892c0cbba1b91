/**
 * Reads a CRI log file the way the kubelet serves /containerLogs (k8s.io/cri-client pkg/logs ReadLogs, v0.36.3):
 * - only the CURRENT file is read: lines already rotated away are not returned (what `kubectl logs` shows too);
 * - tailLines counts records from the end of the file (a long line split into P records counts as several);
 * - sinceTime (sinceSeconds becomes now − n) drops records older than it, record by record;
 * - partial (P) records are written without their newline, so a long line comes out whole; with timestamps=true
 *   the `<RFC3339NanoFixed> ` prefix is written only when a new line starts (`isNewLine`), so the joined line
 *   carries the first piece's timestamp once;
 * - limitBytes cuts the output at that many bytes (prefixes included);
 * - follow: at the end of the file it waits for more; when the path names a new file (rotation: renamed,
 *   reopened) it finishes the old file and continues with the new one from its start; when the container is no
 *   longer running it reads what is left and ends.
 * The kubelet waits with fsnotify (with a 1 s forced re-check); this polls every 50 ms.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { inodeOf } from "./cri-log-file.ts";

export interface ReadLogOptions {
  follow?: boolean;
  timestamps?: boolean;
  since?: Date;
  tailLines?: number;
  limitBytes?: number;
}

/** RFC3339NanoFixed: nanoseconds always 9 digits. */
function fixedNano(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0").slice(0, 9)}${m[3] === "+00:00" ? "Z" : m[3]}`;
}

interface Parsed {
  ts: string;
  time: number;
  partial: boolean;
  content: Buffer;
}

function parseRecord(line: Buffer): Parsed | undefined {
  const a = line.indexOf(32);
  const b = a < 0 ? -1 : line.indexOf(32, a + 1);
  const c = b < 0 ? -1 : line.indexOf(32, b + 1);
  if (c < 0) return undefined;
  const ts = line.subarray(0, a).toString();
  const tag = line.subarray(b + 1, c).toString().split(":")[0];
  const partial = tag === "P";
  let content = line.subarray(c + 1);
  if (!partial) content = Buffer.concat([content, Buffer.from("\n")]);
  return { ts, time: Date.parse(ts), partial, content };
}

/** Byte offset where the last n complete lines begin (findTailLineStartIndex). */
function tailStart(data: Buffer, n: number): number {
  if (n < 0) return 0;
  let end = data.length;
  if (end > 0 && data[end - 1] === 10) end -= 1;
  let count = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (data[i] === 10) {
      count += 1;
      if (count === n) return i + 1;
    }
  }
  return n === 0 ? data.length : 0;
}

function readAll(fd: number, from: number): Buffer {
  const chunks: Buffer[] = [];
  let pos = from;
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    pos += n;
  }
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Streams the log to `write` (which may apply backpressure); resolves when done, the limit is hit, or `aborted()`.
 */
export async function readCriLog(path: string, opts: ReadLogOptions, isRunning: () => boolean, write: (b: Buffer) => Promise<void>, aborted: () => boolean): Promise<void> {
  let fd = openSync(path, "r");
  try {
    let remain = opts.limitBytes ?? Number.POSITIVE_INFINITY;
    let isNewLine = true;
    let limited = opts.tailLines !== undefined && !opts.follow ? opts.tailLines : -1;
    const emit = async (rec: Parsed): Promise<boolean> => {
      if (opts.since && rec.time < opts.since.getTime()) return true;
      let out = rec.content;
      if (opts.timestamps && isNewLine) out = Buffer.concat([Buffer.from(`${fixedNano(rec.ts)} `), out]);
      isNewLine = !rec.partial;
      if (out.length > remain) out = out.subarray(0, remain);
      await write(out);
      remain -= out.length;
      return remain > 0;
    };
    /** Emits complete lines of data; returns the bytes consumed, or -1 when the output must stop. */
    const consume = async (data: Buffer, final: boolean): Promise<number> => {
      let off = 0;
      for (;;) {
        if (limited === 0) return -1;
        const nl = data.indexOf(10, off);
        if (nl < 0) {
          if (final && off < data.length) {
            const rec = parseRecord(data.subarray(off));
            if (rec && !(await emit(rec))) return -1;
            return data.length;
          }
          return off;
        }
        const rec = parseRecord(data.subarray(off, nl));
        off = nl + 1;
        if (!rec) continue;
        if (!(await emit(rec))) return -1;
        if (limited > 0) limited -= 1;
        if (aborted()) return -1;
      }
    };

    let data = readAll(fd, 0);
    let pos = opts.tailLines !== undefined ? tailStart(data, opts.tailLines) : 0;
    data = data.subarray(pos);
    const used = await consume(data, !opts.follow);
    if (used < 0 || !opts.follow) return;
    pos += used;

    let found = true;
    for (;;) {
      if (aborted()) return;
      const more = readAll(fd, pos);
      if (more.length > 0) {
        const n = await consume(more, !found);
        if (n < 0) return;
        pos += n;
        if (n > 0) continue;
      }
      // End of the file.
      if (!found) return;
      let replaced = false;
      try {
        replaced = statSync(path).ino !== inodeOf(fd);
      } catch {
        /* renamed, the new file not there yet */
      }
      if (replaced) {
        // Rotated: the old file is complete (the runtime reopened before anything new was written to it).
        const rest = readAll(fd, pos);
        if (rest.length && (await consume(rest, true)) < 0) return;
        closeSync(fd);
        fd = openSync(path, "r");
        pos = 0;
        continue;
      }
      if (!isRunning()) {
        found = false; // read what is left, then stop (waitLogs' "not running")
        continue;
      }
      await sleep(50);
    }
  } finally {
    closeSync(fd);
  }
}
