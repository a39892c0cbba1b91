/**
 * An HtmlReportModel as one self-contained HTML page: the styles, the vega runtime, the charts' Vega specs
 * and the script that draws them all inline, so the file opens offline from disk and fetches nothing (a
 * Content-Security-Policy forbids any request: default-src 'none'). Every text of the model is escaped.
 * A page without charts has no script. Pure apart from reading the vega runtime once (pass `vegaRuntime`
 * to skip that, e.g. in tests).
 */
import { compileChart } from "./compile-chart.ts";
import { anchorId, escapeHtml as esc, jsonForScript, scriptSafe } from "./html-escape.ts";
import type { HtmlChartSection, HtmlReportModel, HtmlSection, HtmlTableSection, HtmlTextSection, HtmlVerdictSection } from "./html-report-model.ts";
import { PAGE_SCRIPT } from "./page-script.ts";
import { PAGE_STYLE } from "./page-style.ts";
import { readVegaRuntime } from "./vega-runtime.ts";

export interface RenderHtmlOptions {
  /** The vega runtime's source; default node_modules/vega/build/vega.min.js. */
  vegaRuntime?: string;
}

export interface RenderedHtmlReport {
  html: string;
  /** vega-lite warnings per chart ("<heading>: <warning>"). */
  warnings: string[];
}

/** vega evaluates its expressions with Function(), hence 'unsafe-eval'; nothing may be fetched. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:";

const CHART_HINT = "Hover for values · click a legend entry to show only that series (click again to undo)";
const ZOOM_HINT = " · drag to pan, scroll to zoom, double-click to reset";

function kvList(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `<dl class="kv">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`;
}

const bullets = (items: readonly string[]) => (items.length ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join("")}</ul>` : "");

function tableHtml(s: HtmlTableSection): string {
  const align = (i: number) => (s.columns[i]?.align === "left" ? "l" : "r");
  const head = s.columns.map((c, i) => `<th class="${align(i)}" scope="col">${esc(c.header)}</th>`).join("");
  const hi = new Set(s.highlightRows ?? []);
  const rows = s.rows.map((r, ri) => `<tr${hi.has(ri) ? ' class="hi"' : ""}>${r.map((cell, i) => `<td class="${align(i)}">${esc(cell)}</td>`).join("")}</tr>`);
  const notes = s.notes?.length ? `<p class="notes">${s.notes.map(esc).join("<br>")}</p>` : "";
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></div>${notes}`;
}

const textHtml = (s: HtmlTextSection) => (s.paragraphs ?? []).map((p) => `<p>${esc(p)}</p>`).join("") + bullets(s.items ?? []);

function verdictHtml(s: HtmlVerdictSection): string {
  const facts = s.facts?.length ? kvList(s.facts) : "";
  return `<div class="verdict ${s.tone}"><p class="headline">${esc(s.headline)}</p>${facts}${bullets(s.evidence ?? [])}</div>`;
}

function chartHtml(s: HtmlChartSection, id: string, warnings: string[]): string {
  let compiled;
  try {
    compiled = compileChart(s.vegaLiteSpec, { zoom: s.zoom ?? false });
  } catch (err) {
    const why = `not drawn: vega-lite refused its spec (${(err as Error).message})`;
    warnings.push(`${s.heading}: ${why}`);
    return `<p class="chart-error">${esc(why)}</p>`;
  }
  warnings.push(...compiled.warnings.map((w) => `${s.heading}: ${w}`));
  const caption = s.caption ? `<figcaption>${esc(s.caption)}</figcaption>` : "";
  return (
    `<p class="hint">${esc(CHART_HINT + (s.zoom ? ZOOM_HINT : ""))}</p>` +
    `<figure><div class="chart" id="${id}-chart" data-heading="${esc(s.heading)}"></div>${caption}</figure>` +
    `<script type="application/json" data-chart="${id}-chart">${jsonForScript(compiled.vegaSpec)}</script>`
  );
}

const headingOf = (s: HtmlSection): string | undefined => s.heading;

function sectionHtml(s: HtmlSection, id: string, warnings: string[]): string {
  const heading = headingOf(s);
  const h2 = heading ? `<h2>${esc(heading)}</h2>` : "";
  const body = s.kind === "table" ? tableHtml(s) : s.kind === "text" ? textHtml(s) : s.kind === "verdict" ? verdictHtml(s) : chartHtml(s, id, warnings);
  return `<section id="${id}" class="section-${s.kind}">${h2}${body}</section>`;
}

export function renderHtmlReport(model: HtmlReportModel, opts: RenderHtmlOptions = {}): RenderedHtmlReport {
  const warnings: string[] = [];
  const taken = new Set<string>(["kp-tooltip", "context"]);
  const ids = model.sections.map((s) => anchorId(headingOf(s) ?? s.kind, taken));
  const toc = model.sections.flatMap((s, i) => (headingOf(s) ? [`<li><a href="#${ids[i]}">${esc(headingOf(s)!)}</a></li>`] : []));
  const sections = model.sections.map((s, i) => sectionHtml(s, ids[i]!, warnings));
  const context = model.context.length ? `<details class="context" id="context" open><summary>Run context</summary>${kvList(model.context)}</details>` : "";
  const footer = `<footer>${model.generator ? `${esc(model.generator)} · ` : ""}a self-contained page: it loads nothing from the network.</footer>`;
  // A page without charts needs no script at all.
  const scripts = model.sections.some((s) => s.kind === "chart") ? [`<script>${scriptSafe(opts.vegaRuntime ?? readVegaRuntime())}</script>`, `<script>${PAGE_SCRIPT}</script>`] : [];
  const html = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CONTENT_SECURITY_POLICY)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(model.title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    "</head><body><main>",
    `<header><h1>${esc(model.title)}</h1>${model.subtitle ? `<p class="subtitle">${esc(model.subtitle)}</p>` : ""}</header>`,
    context,
    toc.length > 1 ? `<nav aria-label="Contents"><ol>${toc.join("")}</ol></nav>` : "",
    ...sections,
    footer,
    "</main>",
    ...scripts,
    "</body></html>",
    "",
  ].join("\n");
  return { html, warnings };
}
