import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.ts";
import { PNG_SCALE } from "../../src/report/charts/render-chart.ts";
import { checkChartPercentiles, writeCompareReport } from "../../src/report/compare/write-compare-report.ts";
import { fixtureRuns, H100, KV_STARVED, LEGACY } from "./fixture-runs.ts";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "kp-compare-"));
  temps.push(d);
  return d;
};

describe("writeCompareReport", () => {
  it("writes report.md and every chart as SVG and a non-empty 2× PNG, the x axis titled with the requested rate", async () => {
    const out = join(temp(), "cmp");
    const result = await writeCompareReport({ dirs: [H100, KV_STARVED], labels: ["h100-8b", "kv-starved"], outDir: out, x: "requested", charts: true, color: false });
    const names = ["latency-vs-qps", "throughput-vs-qps", "ttft-p90-vs-qps", "waiting-queue-vs-time", "kv-cache-usage-vs-time"];
    expect(readdirSync(out).sort()).toEqual([...names.flatMap((n) => [`${n}.png`, `${n}.svg`]), "report.html", "report.md"].sort());
    expect(result.htmlPath).toBe(join(out, "report.html"));
    expect(result.chartWarnings).toEqual([]);
    for (const n of names) {
      const png = readFileSync(join(out, `${n}.png`));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE), n).toBe(true);
      expect(png.length, n).toBeGreaterThan(20_000);
      const svg = readFileSync(join(out, `${n}.svg`), "utf8");
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(png.readUInt32BE(16)).toBe(Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]) * PNG_SCALE);
    }
    const latency = readFileSync(join(out, "latency-vs-qps.svg"), "utf8");
    for (const text of ["Requested rate (QPS, as configured)", "TTFT (ms, log scale)", "h100-8b", "kv-starved", "p90"]) expect(latency).toContain(`>${text}</text>`);
    expect(readFileSync(join(out, "kv-cache-usage-vs-time.svg"), "utf8")).toContain(">KV-cache usage (%)</text>");
    const md = readFileSync(result.markdownPath, "utf8");
    expect(md).toContain("Rate axis: **Requested rate (QPS, as configured)**");
    expect(md).toContain('<img src="ttft-p90-vs-qps.png"');
    expect(result.tables).toContain("QPS = 6.0");
  });

  it("with charts off writes only report.md and report.html (tables, no chart, no script) and says so", async () => {
    const out = temp();
    const result = await writeCompareReport({ dirs: [LEGACY], outDir: out, x: "achieved", charts: false, color: false });
    expect(readdirSync(out).sort()).toEqual(["report.html", "report.md"]);
    expect(readFileSync(result.htmlPath, "utf8")).not.toContain("<script");
    expect(result.notes[0]).toBe("charts not rendered (--no-charts)");
    expect(readFileSync(result.markdownPath, "utf8")).toMatch(/^# Scenario report: legacy-v0\.2\n/);
  });

  it("refuses a chart percentile the reports do not have, listing the ones they do", async () => {
    const runs = await fixtureRuns([LEGACY]);
    expect(() => checkChartPercentiles(runs, [50, 90])).not.toThrow();
    expect(() => checkChartPercentiles(runs, [99])).toThrow(UsageError);
    try {
      checkChartPercentiles(runs, [99]);
    } catch (err) {
      expect((err as UsageError).message).toBe("--percentiles: p99 is not in the reports' latency distributions");
      expect((err as UsageError).hint).toBe("choose among 10, 50, 90");
    }
  });
});
