import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractMarkedResults } from "./extract-marked-results.ts";
import { parseVllmResult } from "./parse-vllm-result.ts";
import { matchMarkerLine, resultMarkerLine } from "./result-markers.ts";

const FIXTURES = new URL("../../../test/fixtures/vllm-results/", import.meta.url);
const readFixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");

const begin = (c: number) => resultMarkerLine(c, "begin");
const end = (c: number) => resultMarkerLine(c, "end");
const R1 = '{"date": "20250530-203806", "duration": 36.03, "completed": 300, "request_rate": "inf"}';
const R2 = '{"date": "20250530-203916", "duration": 40.57, "completed": 900, "request_rate": "inf"}';

/** kubectl logs --timestamps: RFC3339Nano, trailing zeros of the fraction dropped. */
function stamped(lines: string[]): string {
  const fractions = [".123456789", ".5", "", ".04", ".999999999"];
  return lines.map((l, i) => `2025-05-30T20:38:${String(i % 60).padStart(2, "0")}${fractions[i % fractions.length]}Z ${l}`).join("\n");
}

describe("result markers", () => {
  it("prints and recognizes the marker line, after a log prefix, only at the end of a line", () => {
    expect(begin(8)).toBe("=== kneepoint-result c=8 begin ===");
    expect(matchMarkerLine(`2025-05-30T20:38:06Z ${end(8)}  `)).toEqual({ concurrency: 8, edge: "end", prefix: "2025-05-30T20:38:06Z " });
    expect(matchMarkerLine(`+ echo '${begin(8)}'`)).toBeNull();
    expect(matchMarkerLine("=== other-tag c=8 begin ===")).toBeNull();
    expect(() => resultMarkerLine(1, "begin", { tag: "bad tag" })).toThrow(/tag/);
  });
});

describe("extractMarkedResults", () => {
  it("finds two steps in a timestamped log with progress lines, warnings and shell echoes around and inside", () => {
    const log = stamped([
      "Starting benchmark",
      `+ echo '${begin(1)}'`,
      "100%|██████████| 8/8 [00:36<00:00,  4.52s/it]",
      begin(1),
      "WARNING 05-30 20:37:15 [__init__.py:221] Platform plugin tpu function's return value is None",
      R1,
      "",
      end(1),
      "Traffic request rate: inf",
      begin(2),
      R2,
      "  0%|          | 0/16 [00:00<?, ?it/s]",
      end(2),
      "done",
    ]);
    const out = extractMarkedResults(log);
    expect(out.errors).toEqual([]);
    expect(out.warnings).toEqual([]);
    expect(out.results).toEqual([
      { concurrency: 1, json: JSON.parse(R1), line: 4 },
      { concurrency: 2, json: JSON.parse(R2), line: 10 },
    ]);
  });

  it("returns what parsed and an error naming the crashed step when the last block is cut", () => {
    const log = [begin(1), R1, end(1), begin(2), '{"date": "20250530-203916", "duration": 40.5'].join("\n");
    const out = extractMarkedResults(log);
    expect(out.results.map((r) => r.concurrency)).toEqual([1]);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ concurrency: 2, line: 4 });
    expect(out.errors[0]?.message).toMatch(/^c=2 \(block from line 4\): no end marker before the end of the log, .*does not parse.*probably crashed/);
  });

  it("keeps a complete JSON whose end marker is missing, and one whose block a new begin cut short", () => {
    const out = extractMarkedResults([begin(1), R1, begin(2), R2].join("\n"));
    expect(out.results.map((r) => r.concurrency)).toEqual([1, 2]);
    expect(out.errors).toEqual([]);
    expect(out.warnings).toEqual([
      "c=1 (block from line 1): no end marker before a new begin marker (c=2) at line 3, but its JSON is complete; kept",
      "c=2 (block from line 3): no end marker before the end of the log, but its JSON is complete; kept",
    ]);
  });

  it("reports an empty block, a stray end marker and a mismatched end marker", () => {
    const out = extractMarkedResults([end(4), begin(1), "Traceback: boom", end(1), begin(2), end(3)].join("\n"));
    expect(out.results).toEqual([]);
    expect(out.warnings).toEqual(["line 1: end marker for c=4 without a begin marker; ignored"]);
    expect(out.errors.map((e) => e.message)).toEqual([
      "c=1 (block from line 2): no JSON object in the block",
      expect.stringMatching(/^c=2 \(block from line 5\): no end marker before an end marker for c=3 at line 6, and no JSON object/),
    ]);
  });

  it("reads JSON printed without a final newline, CRLF logs, and tqdm carriage returns", () => {
    const noNewline = extractMarkedResults([begin(1), `${R1}${end(1)}`].join("\n"));
    expect(noNewline.results[0]?.json).toEqual(JSON.parse(R1));
    const crlf = extractMarkedResults(`50%|█   | 4/8\r100%|████| 8/8\r\n${begin(1)}\r\n${R1}\r\n${end(1)}\r\n`);
    expect(crlf.results[0]?.json).toEqual(JSON.parse(R1));
  });

  it("reads an indented result (vllm bench sweep writes indent=4) under kubectl --prefix --timestamps", () => {
    const text = readFixture("vllm-0.25.1-sweep-run.json");
    const lines = [begin(2), ...text.split("\n"), end(2)];
    const log = stamped(lines).split("\n").map((l) => `[pod/kneepoint-bench-x7k2p/bench] ${l}`).join("\n");
    const out = extractMarkedResults(log);
    expect(out.errors).toEqual([]);
    expect(out.results[0]?.json).toEqual(JSON.parse(text));
  });

  it("reads Python's NaN as null and says so; warns about other objects and duplicate steps", () => {
    const out = extractMarkedResults([begin(1), '{"level": "info"}', '{"duration": 1, "completed": 1, "mean_ttft_ms": NaN}', end(1), begin(1), R1, end(1)].join("\n"));
    expect(out.results.map((r) => r.json)).toEqual([{ duration: 1, completed: 1, mean_ttft_ms: null }, JSON.parse(R1)]);
    expect(out.warnings).toEqual([
      "c=1 (block from line 1): 1 NaN/Infinity token(s) (not JSON) read as null",
      "c=1 (block from line 1): 1 other JSON object(s) in the block ignored",
      "c=1: 2 results in the log (a retried step?); all are returned, in log order",
    ]);
  });

  it("extracts the real May 2025 results printed as a Job would, and each one parses", () => {
    const docs = readFixture("benchmark-serving-2025-05-llm-d-append.jsonl").split("\n").filter((l) => l !== "");
    const log = stamped(docs.flatMap((doc, i) => [`Running step ${i}`, begin(i + 1), doc, end(i + 1)]));
    const out = extractMarkedResults(log);
    expect(out.results.map((r) => r.json)).toEqual(docs.map((d) => JSON.parse(d)));
    for (const r of out.results) expect(parseVllmResult(r.json, { concurrency: r.concurrency }).result.completed).toBeGreaterThan(0);
  });

  it("returns all N results embedded in random log noise (property)", () => {
    const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "__proto__");
    const result = fc
      .tuple(
        fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        fc.nat({ max: 100_000 }),
      )
      .map(([extra, duration, completed]) => ({ ...extra, duration, completed }));
    const noise = fc.string({ maxLength: 60 }).filter((s) => !/[\r\n]/.test(s) && !s.includes("kneepoint-result"));
    const step = fc.record({
      concurrency: fc.integer({ min: 1, max: 1024 }),
      result,
      pretty: fc.boolean(),
      before: fc.array(noise, { maxLength: 3 }),
      inside: fc.array(noise, { maxLength: 2 }),
    });
    const prefix = fc.constantFrom("", "ts", "pod+ts");
    fc.assert(
      fc.property(fc.array(step, { minLength: 0, maxLength: 6 }), fc.array(noise, { maxLength: 3 }), prefix, (steps, tail, style) => {
        const lines = steps.flatMap((s) => {
          const json = s.pretty ? JSON.stringify(s.result, null, 4).split("\n") : [JSON.stringify(s.result)];
          // Noise inside the block goes around the JSON, and only around a one-line JSON (find-block-json.ts).
          const inside = s.pretty ? [] : s.inside;
          return [...s.before, resultMarkerLine(s.concurrency, "begin"), ...inside, ...json, ...inside, resultMarkerLine(s.concurrency, "end")];
        });
        const plain = [...lines, ...tail];
        const log = style === "" ? plain.join("\n") : style === "ts" ? stamped(plain) : stamped(plain).split("\n").map((l) => `[pod/p/c] ${l}`).join("\n");
        const out = extractMarkedResults(log);
        expect(out.errors).toEqual([]);
        expect(out.results.map((r) => r.concurrency)).toEqual(steps.map((s) => s.concurrency));
        expect(out.results.map((r) => r.json)).toEqual(steps.map((s) => JSON.parse(JSON.stringify(s.result))));
      }),
      { numRuns: 200 },
    );
  });
});
