/**
 * Renders charts and writes `<name>.svg` and `<name>.png` into a directory, each atomically (a temp file in
 * the same directory, then rename), so a crash never leaves a half-written image a report links to.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { renderChart } from "./render-chart.ts";
import type { NamedChart } from "./sweep-charts.ts";
import { writeFileAtomically } from "../write-file-atomically.ts";

export interface WrittenChart {
  name: string;
  svgPath: string;
  pngPath: string;
  /** Wall time of compile + SVG + PNG + writes, ms. */
  renderMs: number;
  /** vega-lite/vega warnings; a report may list them, they never fail the run. */
  warnings: string[];
}

export async function writeChartFiles(charts: readonly NamedChart[], dir: string): Promise<WrittenChart[]> {
  await mkdir(dir, { recursive: true });
  const written: WrittenChart[] = [];
  for (const chart of charts) {
    const t0 = performance.now();
    const rendered = await renderChart(chart.spec);
    const svgPath = join(dir, `${chart.name}.svg`);
    const pngPath = join(dir, `${chart.name}.png`);
    await writeFileAtomically(svgPath, rendered.svg);
    await writeFileAtomically(pngPath, rendered.png);
    written.push({ name: chart.name, svgPath, pngPath, renderMs: performance.now() - t0, warnings: rendered.warnings });
  }
  return written;
}
