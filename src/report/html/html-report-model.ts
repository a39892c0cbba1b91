/**
 * What a self-contained HTML report shows, independent of where it came from (a sweep, a scenario run, a
 * comparison, a capacity search): a title, the run context as key/value pairs, and sections in reading order.
 * Builders per source produce this; render-html-report.ts turns it into one HTML file. Every string is plain
 * text (the renderer escapes it); the renderer adds the interactivity to the charts (tooltips, legend toggles,
 * zoom where `zoom` is set), so a builder passes the same Vega-Lite spec the PNG is rendered from.
 *
 * Stable API: other modules (src/capacity) build this model; add optional fields, do not change existing ones.
 */
import type { TopLevelSpec } from "vega-lite";

export interface HtmlReportModel {
  /** The page's <title> and <h1>. */
  title: string;
  /** A line under the title, e.g. "meta-llama/Llama-3.1-8B · run 20261123-201942-0f06 · simulated". */
  subtitle?: string;
  /** The run context (commit, GPU, model, load pattern, …), shown as a key/value list near the top. */
  context: ReadonlyArray<readonly [key: string, value: string]>;
  sections: readonly HtmlSection[];
  /** Shown in the footer, e.g. "kneepoint 0.1.0". */
  generator?: string;
}

export type HtmlSection = HtmlTableSection | HtmlTextSection | HtmlVerdictSection | HtmlChartSection;

export interface HtmlColumn {
  header: string;
  /** Default "right" (numbers); text columns say "left". */
  align?: "left" | "right";
}

export interface HtmlTableSection {
  kind: "table";
  heading: string;
  columns: readonly HtmlColumn[];
  /** Cells as displayed (already formatted), one array per row, as many cells as columns. */
  rows: ReadonlyArray<readonly string[]>;
  /** Row indices to highlight (e.g. the knee's step). */
  highlightRows?: readonly number[];
  /** Lines under the table (units, what "–" means, …). */
  notes?: readonly string[];
}

export interface HtmlTextSection {
  kind: "text";
  heading?: string;
  /** Paragraphs of plain text. */
  paragraphs?: readonly string[];
  /** A bulleted list, after the paragraphs. */
  items?: readonly string[];
}

/** A conclusion and what it rests on: the knee, the verdict, a capacity answer. */
export interface HtmlVerdictSection {
  kind: "verdict";
  heading: string;
  /** One sentence, shown prominently. */
  headline: string;
  /** Colours the box: ok (green), warn (amber), bad (red), info (neutral). */
  tone: "ok" | "warn" | "bad" | "info";
  /** Facts shown as a key/value list, e.g. ["confidence", "high"]. */
  facts?: ReadonlyArray<readonly [key: string, value: string]>;
  /** The evidence, one bullet each. */
  evidence?: readonly string[];
}

export interface HtmlChartSection {
  kind: "chart";
  heading: string;
  /** The chart as src/report/charts builds it for the PNG; compiled to Vega when the page is rendered. */
  vegaLiteSpec: TopLevelSpec;
  /** Drag to pan and wheel to zoom on the x axis (time charts). */
  zoom?: boolean;
  /** A line under the chart. */
  caption?: string;
}
