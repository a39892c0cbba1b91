/**
 * The look shared by every chart: one font (shipped in ./fonts, so a fresh machine without system fonts
 * renders the same text), sizes legible at ~800×450 and at 2× in a PNG, and the colours. Also the
 * Vega-Lite spec types the builders use (vega-lite exports only TopLevelSpec, so the parts are derived).
 */
import type { Config, TopLevelSpec } from "vega-lite";

/** The family in the shipped TTFs; resvg is told to use it for every generic family. */
export const CHART_FONT_FAMILY = "Liberation Sans";
/** Written into the SVG: a browser without Liberation Sans falls back to the metric-compatible Arial/Helvetica. */
export const CHART_FONT_STACK = `${CHART_FONT_FAMILY}, Arial, Helvetica, sans-serif`;

/** The colour of the single run's lines (a comparison colours runs with RUN_COLORS). */
export const SINGLE_RUN_COLOR = "#4c78a8";
/** Tableau 10: distinct at a glance and safe for the commonest colour-vision deficiencies in the first 4. */
export const RUN_COLORS = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#e45756",
  "#72b7b2",
  "#b279a2",
  "#eeca3b",
  "#9d755d",
  "#ff9da6",
  "#bab0ac",
];
export const KNEE_COLOR = "#c0392b";
export const NOTE_COLOR = "#7a7a7a";

/** Plot-area sizes (px, excluding axes) that add up to about 800×450 per chart. */
export const CHART_SIZE = {
  fullWidth: 660,
  halfWidth: 300,
  thirdWidth: 190,
  height: 300,
  stackedHeight: 150,
} as const;

export const FONT_SIZE = { title: 17, subtitle: 12, axisTitle: 13, label: 12, mark: 12 } as const;

export const CHART_CONFIG: Config = {
  font: CHART_FONT_STACK,
  background: "white",
  padding: 14,
  title: {
    fontSize: FONT_SIZE.title,
    subtitleFontSize: FONT_SIZE.subtitle,
    subtitleColor: "#555555",
    anchor: "start",
    offset: 12,
  },
  axis: {
    labelFontSize: FONT_SIZE.label,
    titleFontSize: FONT_SIZE.axisTitle,
    titleFontWeight: "bold",
    titlePadding: 8,
    gridColor: "#e8e8e8",
    domainColor: "#888888",
    tickColor: "#888888",
    labelOverlap: true,
  },
  legend: {
    labelFontSize: FONT_SIZE.label,
    titleFontSize: FONT_SIZE.label,
    symbolStrokeWidth: 2.5,
    orient: "bottom",
    direction: "horizontal",
    labelLimit: 260,
  },
  header: { labelFontSize: FONT_SIZE.axisTitle, titleFontSize: FONT_SIZE.axisTitle },
  line: { strokeWidth: 2.2 },
  point: { size: 42, filled: true },
  text: { fontSize: FONT_SIZE.mark },
  concat: { spacing: 28 },
  view: { stroke: "#dddddd" },
};

/** A child of a layer (a unit or a layer). */
export type LayerChild = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];
/** A child of an hconcat/vconcat. */
export type ConcatChild = Extract<TopLevelSpec, { hconcat: unknown }>["hconcat"][number];
