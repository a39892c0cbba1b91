/**
 * Renders a report model and writes it as `report.html` (atomically: a temp file, then rename), after taking
 * every secret value out of it. No browser is involved: the page draws its charts when it is opened.
 */
import { join } from "node:path";
import { writeFileAtomically } from "../write-file-atomically.ts";
import type { HtmlReportModel } from "./html-report-model.ts";
import { renderHtmlReport } from "./render-html-report.ts";
import { scrubHtmlModel } from "./scrub-html-model.ts";

export const HTML_REPORT_FILE = "report.html";

export interface WrittenHtmlReport {
  path: string;
  bytes: number;
  /** vega-lite warnings of the charts; a report may list them, they never fail a run. */
  warnings: string[];
}

export async function writeHtmlReport(model: HtmlReportModel, dir: string, opts: { secrets?: Array<string | undefined>; fileName?: string } = {}): Promise<WrittenHtmlReport> {
  const { html, warnings } = renderHtmlReport(scrubHtmlModel(model, opts.secrets ?? []));
  const path = join(dir, opts.fileName ?? HTML_REPORT_FILE);
  await writeFileAtomically(path, html);
  return { path, bytes: Buffer.byteLength(html), warnings };
}
