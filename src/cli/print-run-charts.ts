/**
 * The chart lines both `kneepoint run` and a collected scenario Job print. Apart from run-scenario-charts.ts, which the
 * in-cluster bundle replaces with a stub (engine-bundle.ts), so this module's own code stays in the bundle.
 */
import { renderRunCharts, type RunChartsInput } from "./run-scenario-charts.ts";

/**
 * renderRunCharts, then the lines both `kneepoint run` and a collected scenario Job print: where report.md, report.html
 * and the charts went, or why they were not rendered. Returns the paths written.
 */
export async function printRunCharts(input: RunChartsInput & { write(s: string): void; say(s: string): void }): Promise<string[]> {
  const out = await renderRunCharts(input);
  if (!out.rendered) {
    input.write(`charts: not rendered: ${out.reason}\n`);
    return [];
  }
  for (const n of out.notes) input.write(`note: ${n}\n`);
  for (const w of out.warnings) input.say(`chart warning: ${w}`);
  input.write(`report: ${out.markdownPath}\nreport: ${out.htmlPath}\ncharts: ${out.pngPaths.join(", ")}\n`);
  return [out.markdownPath, out.htmlPath, ...out.pngPaths];
}
