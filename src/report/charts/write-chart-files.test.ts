import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { saturatingSweep } from "../../../test/fixtures/charts/synthetic-sweep.ts";
import { throughputVsConcurrencyChart } from "./throughput-chart.ts";
import { PNG_SCALE } from "./render-chart.ts";
import { writeChartFiles } from "./write-chart-files.ts";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("writeChartFiles", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("writes <name>.svg and a 2× <name>.png, with the axis titles as SVG text, and no temp files left", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kp-charts-"));
    dirs.push(dir);
    const spec = throughputVsConcurrencyChart([{ name: "a", steps: saturatingSweep(), kneeConcurrency: 8 }]);
    const [written] = await writeChartFiles([{ name: "throughput-vs-concurrency", spec }], join(dir, "charts"));

    expect(written).toMatchObject({ name: "throughput-vs-concurrency", warnings: [] });
    expect((await readdir(join(dir, "charts"))).sort()).toEqual(["throughput-vs-concurrency.png", "throughput-vs-concurrency.svg"]);

    const svg = await readFile(written!.svgPath, "utf8");
    for (const text of ["Throughput vs concurrency", "Output throughput (tokens/s)", "Request throughput (req/s)", "knee c=8"]) {
      expect(svg).toContain(`>${text}</text>`);
    }
    expect(svg).toContain("Liberation Sans");
    expect(svg).not.toMatch(/NaN|Infinity/);

    const png = await readFile(written!.pngPath);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(20_000);
    const svgWidth = Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
    expect(png.readUInt32BE(16)).toBe(svgWidth * PNG_SCALE); // IHDR width
  });
});
