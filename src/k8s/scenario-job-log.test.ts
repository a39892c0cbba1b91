import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { decodeReportBlocks, isReportBlockLine, LINE_CHARS, reportBlockLines, safeReportPath } from "./scenario-job-log.ts";

const file = (path: string, text: string) => ({ path, bytes: Buffer.from(text) });
/** Incompressible bytes: 9000 of them gzip to ~9 KB, so base64 takes 4 content lines of LINE_CHARS. */
const big = { path: "per_request_lifecycle_metrics.json", bytes: randomBytes(9000) };

describe("report blocks in the pod's log", () => {
  it("round-trips files of every size, the empty one included, and no line reaches the runtime's 16 KiB split", () => {
    const files = [file("config.yaml", "api:\n  type: completion\n"), file("empty.json", ""), big, file("sub/dir.json", "{}")];
    const lines = files.flatMap(reportBlockLines);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(LINE_CHARS + 20);
    // 9000 random bytes gzip to a little more than 9000 bytes: ceil(≈12 050 base64 chars / 4000) = 4 lines.
    expect(reportBlockLines(big).filter((l) => /^\d+\/4 /.test(l))).toHaveLength(4);
    const out = decodeReportBlocks(lines.join("\n"));
    expect(out.problems).toEqual([]);
    expect(out.files.map((f) => f.path)).toEqual(["config.yaml", "empty.json", big.path, "sub/dir.json"]);
    expect(out.files.map((f) => f.bytes.equals(files.find((g) => g.path === f.path)!.bytes))).toEqual([true, true, true, true]);
  });

  it("property: any bytes survive the trip, whatever stderr lines and CRLFs are interleaved", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.array(fc.string(), { maxLength: 5 }), (bytes, noise) => {
        const lines = reportBlockLines({ path: "x.json", bytes: Buffer.from(bytes) });
        // stderr lines land anywhere inside the block (the runtime interleaves the two streams by line).
        const mixed = [lines[0]!, ...noise.map((n) => n.replace(/\n/g, " ")), ...lines.slice(1).map((l) => `${l}\r`)];
        const out = decodeReportBlocks(mixed.join("\n"));
        return out.problems.length === 0 && out.files.length === 1 && out.files[0]!.bytes.equals(Buffer.from(bytes));
      }),
      { numRuns: 60 },
    );
  });

  it("a line lost to a log rotation is a gap named by its numbers, and the file is not written", () => {
    const lines = reportBlockLines(big);
    // Header at index 1, content lines 0..3 at indices 2..5: drop content lines 1 and 2. a.json takes log lines 1–4 (begin, header, one content line, end), so this block begins at line 5.
    const cut = [...lines.slice(0, 3), ...lines.slice(5)];
    const out = decodeReportBlocks([...reportBlockLines(file("a.json", "{}")), ...cut].join("\n"));
    expect(out.files.map((f) => f.path)).toEqual(["a.json"]);
    expect(out.problems).toEqual([`${big.path} (block from log line 5): content lines 1–2 of 4 are missing (lines lost from the log, e.g. to a log rotation while the stream was broken)`]);
  });

  it("a block without its end marker (the pod stopped mid-file) is reported, and the files before it kept", () => {
    const lines = [...reportBlockLines(file("a.json", "{}")), ...reportBlockLines(big).slice(0, 4)];
    const out = decodeReportBlocks(lines.join("\n"));
    expect(out.files.map((f) => f.path)).toEqual(["a.json"]);
    expect(out.problems).toEqual([`${big.path} (block from log line 5): no end marker before the end of the log: the pod was stopped while it logged the file, or the log was cut`]);
    // A new begin marker also closes the unterminated block.
    const twice = decodeReportBlocks([...reportBlockLines(big).slice(0, 3), ...reportBlockLines(file("b.json", "1"))].join("\n"));
    expect(twice.files.map((f) => f.path)).toEqual(["b.json"]);
    expect(twice.problems[0]).toMatch(/^per_request_lifecycle_metrics\.json \(block from log line 1\): no end marker before a begin marker for b\.json at log line 4/);
  });

  it("a content line altered in the log fails the file's sha256 or its decompression", () => {
    const lines = reportBlockLines(file("c.json", JSON.stringify({ a: "x".repeat(100) })));
    const bad = lines.map((l, i) => (i === 2 ? l.replace(/^(0\/1 .{20})./, (_m, p: string) => `${p}${l[p.length] === "A" ? "B" : "A"}`) : l));
    const out = decodeReportBlocks(bad.join("\n"));
    expect(out.files).toEqual([]);
    expect(out.problems[0]).toMatch(/^c\.json \(block from log line 1\): the (decoded file \(\d+ bytes\) does not match its header|content does not decompress)/);
  });

  it("refuses paths that would leave the report directory, and a repeated file keeps its last copy", () => {
    expect(["a.json", "shards/0/b.json"].map(safeReportPath)).toEqual([true, true]);
    expect(["../x", "/etc/passwd", "a//b", "./a", "a\\b", "a b"].map(safeReportPath)).toEqual([false, false, false, false, false, false]);
    const evil = reportBlockLines(file("../../.bashrc", "rm -rf ~"));
    const out = decodeReportBlocks([...evil, ...reportBlockLines(file("a.json", "1")), ...reportBlockLines(file("a.json", "2"))].join("\n"));
    expect(out.files.map((f) => [f.path, f.bytes.toString()])).toEqual([["a.json", "2"]]);
    expect(out.problems).toEqual(["../../.bashrc (log line 1): not a relative path inside the report directory; skipped"]);
  });

  it("tells block lines from progress", () => {
    const lines = reportBlockLines(file("a.json", "{}"));
    expect(lines.every(isReportBlockLine)).toBe(true);
    expect(["stage 0 constant 1 req/s", "kneepoint: native engine", "reports: /tmp/r (9 files)"].some(isReportBlockLine)).toBe(false);
  });
});
