/** report.html of a capacity run (src/report/html renders it; the model is src/capacity/capacity-html.ts). */
import type { CapacityDocument } from "../capacity/capacity-document.ts";

export async function writeCapacityHtml(doc: CapacityDocument, dir: string, secrets: Array<string | undefined>): Promise<{ path: string; warnings: string[] }> {
  // Loaded on demand, as the sweep does: the page's vega runtime is large.
  const { buildCapacityHtmlModel } = await import("../capacity/capacity-html.ts");
  const { writeHtmlReport } = await import("../report/html/write-html-report.ts");
  const written = await writeHtmlReport(buildCapacityHtmlModel(doc), dir, { secrets });
  return { path: written.path, warnings: written.warnings };
}
