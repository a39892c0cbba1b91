import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAzureTimestampUs, parseAzureTraceLine, isAzureHeader } from "./azure-trace-line.ts";
import { readTraceFile } from "./read-trace-file.ts";

const TINY = fileURLToPath(new URL("../../../test/fixtures/traces/azure-tiny.csv", import.meta.url));
const AZURE = "AzurePublicDataset" as const;

function tempTrace(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kneepoint-trace-"));
  const file = join(dir, "trace.csv");
  writeFileSync(file, text);
  return file;
}

describe("an Azure trace line", () => {
  it("reads timestamps as 0.7.0's parse_timestamp does: UTC, 6 fractional digits, T/Z/quotes/zone suffix tolerated", () => {
    const base = Date.UTC(2023, 10, 16, 18, 15, 46) * 1000;
    expect(parseAzureTimestampUs("2023-11-16 18:15:46.6805900")).toBe(base + 680590);
    expect(parseAzureTimestampUs(' "2023-11-16T18:15:46.68Z" ')).toBe(base + 680000);
    expect(parseAzureTimestampUs("2023-11-16 18:15:46.680590+05:00")).toBe(base + 680590);
    expect(parseAzureTimestampUs("2023-11-16 18:15:46")).toBe(base);
    expect(parseAzureTimestampUs("1700158546.68")).toBeNull();
    expect(parseAzureTimestampUs("2023-04-31 00:00:00")).toBeNull();
  });

  it("names the field of a bad row", () => {
    expect(parseAzureTraceLine("2023-11-16 18:15:46.1,374,44")).toEqual({ ok: true, row: { timestampUs: Date.UTC(2023, 10, 16, 18, 15, 46) * 1000 + 100000, inputTokens: 374, outputTokens: 44 } });
    expect(parseAzureTraceLine("yesterday,374,44")).toMatchObject({ ok: false, field: "TIMESTAMP" });
    expect(parseAzureTraceLine("2023-11-16 18:15:46,3.5,44")).toMatchObject({ ok: false, field: "ContextTokens" });
    expect(parseAzureTraceLine("2023-11-16 18:15:46,374")).toMatchObject({ ok: false, field: "GeneratedTokens" });
    expect(parseAzureTraceLine("2023-11-16 18:15:46,374,0")).toMatchObject({ ok: false, field: "GeneratedTokens" });
    expect(isAzureHeader("TIMESTAMP,ContextTokens,GeneratedTokens")).toBe(true);
    expect(isAzureHeader("2023-11-16 18:15:46,374,44")).toBe(false);
  });
});

describe("readTraceFile", () => {
  it("gives offsets from the first row in ms, skipping the header and blank lines (hand-computed)", async () => {
    const rows = await readTraceFile({ file: TINY, format: AZURE }, "load.trace");
    expect(rows.map((r) => r.offsetMs)).toEqual([0, 50, 300.001, 400, 400, 800]);
    expect(rows.map((r) => [r.inputTokens, r.outputTokens])).toEqual([[40, 5], [12, 3], [64, 8], [25, 2], [33, 4], [18, 6]]);
  });

  it("reads a file without a header, CRLF line ends included", async () => {
    const file = tempTrace("2023-11-16 18:15:46.5,10,2\r\n2023-11-16 18:15:47.75,11,3\r\n");
    expect(await readTraceFile({ file, format: AZURE }, "data.trace")).toEqual([
      { offsetMs: 0, inputTokens: 10, outputTokens: 2 },
      { offsetMs: 1250, inputTokens: 11, outputTokens: 3 },
    ]);
  });

  it("refuses a bad row naming file:line and the field, a trace going back in time, an empty or missing file", async () => {
    const bad = tempTrace("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,10,2\n2023-11-16 18:15:47,ten,2\n");
    await expect(readTraceFile({ file: bad, format: AZURE }, "data.trace")).rejects.toThrow(`data.trace: ${bad}:3: ContextTokens: 'ten' is not a token count ≥ 1`);
    const back = tempTrace("2023-11-16 18:15:47,10,2\n2023-11-16 18:15:46,10,2\n");
    await expect(readTraceFile({ file: back, format: AZURE }, "load.trace")).rejects.toThrow(`${back}:2: TIMESTAMP: goes back in time`);
    const empty = tempTrace("TIMESTAMP,ContextTokens,GeneratedTokens\n\n");
    await expect(readTraceFile({ file: empty, format: AZURE }, "load.trace")).rejects.toThrow("has no rows");
    await expect(readTraceFile({ file: "/nonexistent/trace.csv", format: AZURE }, "load.trace")).rejects.toThrow("cannot read trace file /nonexistent/trace.csv: ENOENT");
  });
});
