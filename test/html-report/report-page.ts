/**
 * A report.html opened in Chromium from file:// as a user would, with everything the page does recorded:
 * console errors and page errors, every request that is not the file itself, and the charts' vega views.
 * Plus the checks the browser tests make on it: marks drawn per chart, a hover that shows a tooltip with a
 * number, a legend click that fades the other series.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";

export interface OpenedReport {
  page: Page;
  /** console.error messages and uncaught page errors. */
  errors: string[];
  /** URLs requested other than the report file itself. */
  requests: string[];
  /** Number of charts the page's script started (window.kneepointCharts). */
  charts: number;
}

export async function openReport(browser: Browser, file: string): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: "load" });
  const charts = await page.evaluate(() => (window as unknown as { kneepointCharts?: Promise<number> }).kneepointCharts ?? Promise.resolve(0));
  return { page, errors, requests, charts };
}

/** Per chart container: the mark items vega drew (its SVG marks' elements, in the order of the page). */
export function marksPerChart(page: Page): Promise<Array<{ heading: string; marks: number; failed: boolean }>> {
  return page.$$eval("div.chart", (els) =>
    els.map((el) => ({
      heading: el.getAttribute("data-heading") ?? "",
      // Every drawn item: points are paths in role=graphics-symbol groups, lines paths, rules lines, bands rects.
      marks: el.querySelectorAll('g.mark-symbol path, g.mark-line path, g.mark-rule line, g.mark-rect path, g.mark-area path').length,
      failed: el.classList.contains("chart-error"),
    })),
  );
}

/**
 * Moves the pointer over a plotted point (a line's point or the nearest-point layer) of chart `index` and
 * returns the tooltip's text, or null when none shows. Tries points until one shows a tooltip.
 */
export async function hoverTooltip(page: Page, index: number): Promise<string | null> {
  const chart = page.locator("div.chart").nth(index);
  await chart.scrollIntoViewIfNeeded();
  const points = chart.locator("g.mark-symbol path");
  const n = await points.count();
  for (let i = 0; i < Math.min(n, 12); i++) {
    const box = await points.nth(Math.floor((i * n) / Math.min(n, 12))).boundingBox();
    if (!box) continue;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tip = page.locator("#kp-tooltip");
    try {
      await tip.waitFor({ state: "visible", timeout: 1500 });
      return await tip.innerText();
    } catch {
      // a point hidden under another mark: try the next one
    }
  }
  return null;
}

/** Opacities of chart `index`'s series marks (line paths and point symbols), in DOM order. */
function markOpacities(page: Page, index: number): Promise<number[]> {
  return page
    .locator("div.chart")
    .nth(index)
    .locator("g.mark-line path, g.mark-symbol path")
    .evaluateAll((paths) => paths.map((p) => Number(getComputedStyle(p).opacity)));
}

export interface LegendToggle {
  /** Opacities of the marks that were visible before the click (a hover layer's hidden points left out). */
  before: number[];
  after: number[];
  /** After a second click on the same entry. */
  again: number[];
}

/**
 * Clicks the first entry of each of chart `index`'s legends until one fades some marks (a shape legend is not
 * bound, a colour legend is), then clicks it again. Null for a chart without a legend.
 */
export async function toggleLegend(page: Page, index: number): Promise<LegendToggle | null> {
  const chart = page.locator("div.chart").nth(index);
  const legends = chart.locator("g.role-legend");
  const count = await legends.count();
  if (count === 0) return null;
  await chart.scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  const shown = (await markOpacities(page, index)).flatMap((o, i) => (o > 0.9 ? [i] : []));
  const visible = async () => {
    const now = await markOpacities(page, index);
    return shown.map((i) => now[i]!);
  };
  let last: LegendToggle | null = null;
  for (let l = 0; l < count; l++) {
    const box = await legends.nth(l).locator("g.role-legend-symbol path").first().boundingBox();
    if (!box) continue;
    // A click where a user clicks: on the entry's symbol (the SVG over it is what receives the event).
    const click = async () => {
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.move(0, 0);
      await page.waitForTimeout(200);
      return visible();
    };
    const before = await visible();
    const after = await click();
    const again = await click();
    last = { before, after, again };
    if (after.some((o) => o < 0.5)) return last;
  }
  return last;
}

/** The tick labels of chart `index`'s axes, then the same after a wheel turn (zoom in) over its plot's middle. */
export async function zoomWithWheel(page: Page, index: number): Promise<{ before: string[]; after: string[] }> {
  const chart = page.locator("div.chart").nth(index);
  await chart.scrollIntoViewIfNeeded();
  const labels = () => chart.locator("g.role-axis-label text").allTextContents();
  const before = await labels();
  // The first plot area (a concat's first panel), whose frame vega draws as the scope group's background.
  const plot = await chart.locator("g.role-scope path.background").first().boundingBox();
  const box = plot ?? (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(300);
  return { before, after: await labels() };
}

export async function saveScreenshot(page: Page, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await page.mouse.move(0, 0);
  await page.screenshot({ path, fullPage: true });
}
