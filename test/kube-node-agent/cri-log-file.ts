/**
 * A container's log file as containerd's CRI plugin writes it, with the kubelet's container log manager rotating
 * it.
 *
 * Writer (containerd pkg/cri/io/logger.go redirectLogs): stdout and stderr are read line by line, each line one
 * record `<RFC3339Nano> <stdout|stderr> F <content>\n`; a line longer than max_container_log_line_size (16 KiB,
 * here `partialLineBytes`) is cut into records of that many bytes tagged P, the last piece F; output left without a
 * newline when the stream ends is written as an F record.
 *
 * Rotation (kubelet pkg/kubelet/logs/container_log_manager.go): every monitoring period (10 s in the kubelet,
 * `checkIntervalMs` here) each RUNNING container's current file is checked; when larger than containerLogMaxSize
 * (`maxBytes`) the rotated files beyond containerLogMaxFiles-2 are deleted (oldest first), the remaining rotated
 * ones gzip-compressed, the current file renamed to `<file>.<YYYYMMDD-HHMMSS>` and the runtime asked to reopen
 * it (ReopenContainerLog: a new empty file at the same path). So `kubectl logs` (which reads only the current
 * file) loses every rotated line. Two rotations within one second would get the same name: the second waits for
 * the next check (the kubelet's 10 s period never meets this).
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

/** Now as RFC 3339 with nanoseconds, trailing zeros trimmed (Go's time.RFC3339Nano), UTC. */
export function rfc3339Nano(): string {
  const t = performance.timeOrigin + performance.now();
  const ms = Math.floor(t);
  const nanos = Math.floor((t - ms) * 1e6) + (ms % 1000) * 1e6;
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${base}${frac ? `.${frac}` : ""}Z`;
}

function rotationStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export class CriLogFile {
  private fd: number;
  private readonly pending: Record<"stdout" | "stderr", Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private closed = false;

  constructor(
    readonly path: string,
    private readonly partialLineBytes: number,
  ) {
    this.fd = openSync(path, "a");
  }

  private record(stream: "stdout" | "stderr", tag: "P" | "F", content: Buffer): void {
    if (this.closed) return;
    writeSync(this.fd, Buffer.concat([Buffer.from(`${rfc3339Nano()} ${stream} ${tag} `), content, Buffer.from("\n")]));
  }

  private line(stream: "stdout" | "stderr", content: Buffer): void {
    let rest = content;
    while (rest.length > this.partialLineBytes) {
      this.record(stream, "P", rest.subarray(0, this.partialLineBytes));
      rest = rest.subarray(this.partialLineBytes);
    }
    this.record(stream, "F", rest);
  }

  /** Output of the process on one stream, in arbitrary chunks. */
  write(stream: "stdout" | "stderr", chunk: Buffer): void {
    let buf = this.pending[stream].length ? Buffer.concat([this.pending[stream], chunk]) : chunk;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
      this.line(stream, buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    // containerd's reader holds at most max_container_log_line_size bytes of an unfinished line, then emits P.
    while (buf.length >= this.partialLineBytes) {
      this.record(stream, "P", buf.subarray(0, this.partialLineBytes));
      buf = buf.subarray(this.partialLineBytes);
    }
    this.pending[stream] = Buffer.from(buf);
  }

  /** The streams ended: what is left without a newline becomes an F record; the file is closed. */
  close(): void {
    if (this.closed) return;
    for (const stream of ["stdout", "stderr"] as const) if (this.pending[stream].length) this.record(stream, "F", this.pending[stream]);
    this.closed = true;
    closeSync(this.fd);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** The kubelet's rotateLog for this file, when it is larger than maxBytes. Returns true when it rotated. */
  rotateIfNeeded(maxBytes: number, maxFiles: number): boolean {
    if (this.closed) return false;
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return false;
    }
    if (size <= maxBytes) return false;
    const rotatedName = `${this.path}.${rotationStamp()}`;
    if (existsSync(rotatedName) || existsSync(`${rotatedName}.gz`)) return false;
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    // cleanupUnusedLogs: leftovers of a failed compression (.tmp, or an original next to its .gz).
    let rotated = readdirSync(dir).filter((n) => n.startsWith(prefix)).map((n) => join(dir, n));
    for (const f of rotated) if (f.endsWith(".tmp") || rotated.includes(`${f}.gz`)) rmSync(f, { force: true });
    rotated = rotated.filter((f) => existsSync(f)).sort();
    // removeExcessLogs: keep maxFiles-2 rotated files (the current one and the one being rotated make maxFiles).
    const keep = Math.max(0, maxFiles - 2);
    while (rotated.length > keep) rmSync(rotated.shift()!, { force: true });
    for (const f of rotated) {
      if (f.endsWith(".gz")) continue;
      writeFileSync(`${f}.gz.tmp`, gzipSync(readFileSync(f)));
      renameSync(`${f}.gz.tmp`, `${f}.gz`);
      rmSync(f, { force: true });
    }
    renameSync(this.path, rotatedName);
    // ReopenContainerLog: the runtime closes its file and opens a new one at the same path.
    const old = this.fd;
    this.fd = openSync(this.path, "a");
    closeSync(old);
    return true;
  }
}

/** The inode of an open file (to notice that the path now names a new file after a rotation). */
export function inodeOf(fd: number): number {
  return fstatSync(fd).ino;
}
