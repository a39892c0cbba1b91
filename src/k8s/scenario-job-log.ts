/**
 * How `kneepoint run --log-reports` hands its report files to the runner through the pod's log, and how the runner
 * reads them back. Pure: bytes in, lines out; a log in, the files and what was wrong out. One block per file:
 *
 *     === kneepoint-report stage_0_lifecycle_metrics.json begin ===
 *     gzip+base64 bytes=5120 sha256=9f86d0…  lines=2
 *     0/2 H4sIAAAAAAAAA+2d…
 *     1/2 …
 *     === kneepoint-report stage_0_lifecycle_metrics.json end ===
 *
 * The content is gzipped and cut into base64 lines of at most LINE_CHARS characters, each numbered, so that
 * - no line reaches the 16 KiB at which the container runtime splits a log line into partial records (an old
 *   kubelet then prefixes every piece with a timestamp; job-log-follower.ts), and a JSON file of one long line fits;
 * - a line lost to a log rotation while the runner's stream was broken is seen as a gap in the numbers, and a file
 *   whose bytes differ from what was logged fails its sha256: a file is written whole and right, or not at all;
 * - stderr lines the runtime interleaves into the block (progress, warnings) are skipped, not decoded;
 * - the log stays small: a per-request JSON file shrinks to a fraction (the kubelet rotates at containerLogMaxSize).
 * Nothing is thrown for a bad block: the other files are still written.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";

export const REPORT_TAG = "kneepoint-report";
/** Base64 characters per content line: far below the runtime's 16 KiB split, short enough to read in a log viewer. */
export const LINE_CHARS = 4000;

export interface LoggedFile {
  /** Path inside the report directory, with `/` separators. */
  path: string;
  bytes: Buffer;
}

const marker = (path: string, edge: "begin" | "end") => `=== ${REPORT_TAG} ${path} ${edge} ===`;
const MARKER = new RegExp(`^=== ${REPORT_TAG} (\\S+) (begin|end) ===\\s*$`);
const HEADER = /^gzip\+base64 bytes=(\d+) sha256=([0-9a-f]{64}) lines=(\d+)\s*$/;
const CONTENT = /^(\d+)\/(\d+) ([A-Za-z0-9+/]*={0,2})\s*$/;

/** The log lines of one file's block (each without its newline). */
export function reportBlockLines(file: LoggedFile): string[] {
  const b64 = gzipSync(file.bytes, { level: 9 }).toString("base64");
  const chunks: string[] = [];
  for (let i = 0; i < b64.length; i += LINE_CHARS) chunks.push(b64.slice(i, i + LINE_CHARS));
  if (chunks.length === 0) chunks.push("");
  const sha = createHash("sha256").update(file.bytes).digest("hex");
  return [
    marker(file.path, "begin"),
    `gzip+base64 bytes=${file.bytes.length} sha256=${sha} lines=${chunks.length}`,
    ...chunks.map((c, i) => `${i}/${chunks.length} ${c}`),
    marker(file.path, "end"),
  ];
}

export interface DecodedReports {
  /** In log order; a file logged twice (a retried pod): the last complete copy. */
  files: LoggedFile[];
  /** Blocks that gave no file, as `path: what was wrong`. */
  problems: string[];
}

interface OpenBlock {
  path: string;
  line: number;
  header: { bytes: number; sha256: string; lines: number } | null;
  chunks: Map<number, string>;
}

/** A path the runner may write under its report directory: relative, no `..`, no empty or odd segments. */
export function safeReportPath(path: string): boolean {
  if (path.startsWith("/") || path.includes("\\")) return false;
  return path.split("/").every((seg) => seg !== "" && seg !== "." && seg !== ".." && /^[A-Za-z0-9._+-]+$/.test(seg));
}

/** Lost lines as ranges: [3,4,5,9] → "3–5, 9". */
function ranges(nums: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < nums.length; i++) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
    out.push(i === j ? `${nums[i]}` : `${nums[i]}–${nums[j]}`);
    i = j;
  }
  return out.join(", ");
}

function closeBlock(b: OpenBlock, endedBy: string | null): { file: LoggedFile | null; problem: string | null } {
  const where = `${b.path} (block from log line ${b.line})`;
  if (endedBy !== null) return { file: null, problem: `${where}: no end marker before ${endedBy}: the pod was stopped while it logged the file, or the log was cut` };
  if (!b.header) return { file: null, problem: `${where}: no header line (gzip+base64 bytes=… sha256=… lines=…)` };
  const missing: number[] = [];
  for (let i = 0; i < b.header.lines; i++) if (!b.chunks.has(i)) missing.push(i);
  if (missing.length > 0) {
    return { file: null, problem: `${where}: content lines ${ranges(missing)} of ${b.header.lines} are missing (lines lost from the log, e.g. to a log rotation while the stream was broken)` };
  }
  let bytes: Buffer;
  try {
    bytes = gunzipSync(Buffer.from([...Array(b.header.lines).keys()].map((i) => b.chunks.get(i)).join(""), "base64"));
  } catch (err) {
    return { file: null, problem: `${where}: the content does not decompress (${(err as Error).message})` };
  }
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (bytes.length !== b.header.bytes || sha !== b.header.sha256) {
    return { file: null, problem: `${where}: the decoded file (${bytes.length} bytes) does not match its header (${b.header.bytes} bytes, sha256 ${b.header.sha256.slice(0, 12)}…)` };
  }
  return { file: { path: b.path, bytes }, problem: null };
}

/** Every report file logged between the markers. Lines that are not a block's header or content are ignored. */
export function decodeReportBlocks(log: string): DecodedReports {
  const byPath = new Map<string, LoggedFile>();
  const problems: string[] = [];
  let open: OpenBlock | null = null;
  const close = (endedBy: string | null) => {
    const { file, problem } = closeBlock(open!, endedBy);
    if (file) {
      byPath.delete(file.path);
      byPath.set(file.path, file);
    }
    if (problem) problems.push(problem);
    open = null;
  };
  const lines = log.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/\r$/, "");
    const m = MARKER.exec(text);
    if (m) {
      const [, path, edge] = m as unknown as [string, string, "begin" | "end"];
      if (edge === "begin") {
        if (open) close(`a begin marker for ${path} at log line ${i + 1}`);
        if (!safeReportPath(path)) {
          problems.push(`${path} (log line ${i + 1}): not a relative path inside the report directory; skipped`);
          continue;
        }
        open = { path, line: i + 1, header: null, chunks: new Map() };
      } else if (open && open.path === path) {
        close(null);
      } else if (open) {
        close(`an end marker for ${path} at log line ${i + 1}`);
      }
      continue;
    }
    if (!open) continue;
    const block: OpenBlock = open;
    const h = HEADER.exec(text);
    if (h && !block.header) {
      block.header = { bytes: Number(h[1]), sha256: h[2]!, lines: Number(h[3]) };
      continue;
    }
    const c = CONTENT.exec(text);
    if (c && block.header && Number(c[2]) === block.header.lines) block.chunks.set(Number(c[1]), c[3]!);
  }
  if (open) close("the end of the log");
  return { files: [...byPath.values()], problems };
}

/** True for a line of a report block (markers, header, content): the runner does not echo those as progress. */
export function isReportBlockLine(line: string): boolean {
  const text = line.replace(/\r$/, "");
  return MARKER.test(text) || HEADER.test(text) || CONTENT.test(text);
}
