/**
 * Vega-Lite spec → Vega → SVG (vega's View, headless, renderer "none") → PNG (resvg, 2×), with the fonts
 * shipped in ./fonts: resvg loads no system fonts, so the PNG is the same on a fresh CI machine as here.
 * vega has no canvas in Node and would guess text widths; it is given the shipped fonts' real advance
 * widths instead (a process-wide setting of vega's, the same for every chart). Warnings of vega-lite and
 * vega are collected and returned, never printed.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderAsync } from "@resvg/resvg-js";
import * as vega from "vega";
import type { LoggerInterface } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { CHART_FONT_FAMILY } from "./chart-theme.ts";
import { fontAdvanceWidths, type TextWidth } from "./font-advance-widths.ts";

export const CHART_FONT_FILES = {
  regular: fileURLToPath(new URL("./fonts/LiberationSans-Regular.ttf", import.meta.url)),
  bold: fileURLToPath(new URL("./fonts/LiberationSans-Bold.ttf", import.meta.url)),
} as const;

/** PNG pixels per SVG pixel: a chart drawn at ~800×450 becomes a ~1600×900 PNG, sharp on high-DPI screens. */
export const PNG_SCALE = 2;

export interface RenderedChart {
  svg: string;
  png: Buffer;
  widthPx: number;
  heightPx: number;
  /** vega-lite and vega warnings (e.g. a dropped encoding); empty for a clean chart. */
  warnings: string[];
}

export async function renderChart(spec: TopLevelSpec): Promise<RenderedChart> {
  useShippedFontMetrics();
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const vgSpec = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none", logger, logLevel: vega.Warn });
  try {
    const svg = await view.toSVG();
    const image = await renderAsync(svg, {
      fitTo: { mode: "zoom", value: PNG_SCALE },
      background: "white",
      font: {
        loadSystemFonts: false,
        fontFiles: [CHART_FONT_FILES.regular, CHART_FONT_FILES.bold],
        defaultFontFamily: CHART_FONT_FAMILY,
        sansSerifFamily: CHART_FONT_FAMILY,
        serifFamily: CHART_FONT_FAMILY,
        monospaceFamily: CHART_FONT_FAMILY,
      },
      logLevel: "off",
    });
    return { svg, png: image.asPng(), widthPx: image.width, heightPx: image.height, warnings };
  } finally {
    view.finalize();
  }
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
}
type VegaTextMetrics = { width: (item: TextItem, text: unknown) => number };

let fontMetricsInstalled = false;

function useShippedFontMetrics(): void {
  if (fontMetricsInstalled) return;
  const regular = fontAdvanceWidths(readFileSync(CHART_FONT_FILES.regular));
  const bold = fontAdvanceWidths(readFileSync(CHART_FONT_FILES.bold));
  const metrics = (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics;
  metrics.width = (item, text) => measure(isBold(item.fontWeight) ? bold : regular, item, text);
  fontMetricsInstalled = true;
}

function measure(width: TextWidth, item: TextItem, text: unknown): number {
  const fontSize = item.fontSize === undefined ? 11 : Number(item.fontSize) || 0;
  const line = text === null || text === undefined ? "" : String(text).trim();
  return fontSize > 0 && line.length > 0 ? width(line, fontSize) : 0;
}

function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined) return false;
  if (typeof weight === "number") return weight >= 600;
  return weight === "bold" || weight === "bolder" || Number(weight) >= 600;
}

function collectingLogger(into: string[]): LoggerInterface {
  let level = vega.Warn;
  const logger: LoggerInterface = {
    level(next?: number) {
      if (next === undefined) return level;
      level = next;
      return logger;
    },
    error(...args: unknown[]) {
      into.push(`error: ${args.map(String).join(" ")}`);
      return logger;
    },
    warn(...args: unknown[]) {
      if (level >= vega.Warn) into.push(args.map(String).join(" "));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}
