/**
 * The HTML report in a real browser (Debian's Chromium, driven by playwright-core), for a sweep, a scenario
 * run, a comparison and a capacity search, each made by the CLI as a user makes it: the terminal names report.html; the page
 * loads from file:// with no console error and no request; every chart draws its marks; a hover over a
 * point shows a tooltip with a number; a click on a legend entry fades the other series and a second click
 * restores them; the time charts zoom on the wheel. A screenshot of each page is kept in
 * test-artifacts/html-report/. Without Chromium it fails (make test installs it); KNEEPOINT_TEST_PEERS=skip skips it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "./chromium.ts";
import { makeReports, SWEEP_SECRETS, type MadeReport } from "./make-reports.ts";
import { hoverTooltip, marksPerChart, openReport, saveScreenshot, toggleLegend, zoomWithWheel, type OpenedReport } from "./report-page.ts";

const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/html-report/", import.meta.url));
const RUN = chromiumAvailable();

let work: string;
let browser: Browser;
let reports: MadeReport[] = [];
const opened = new Map<string, OpenedReport>();

beforeAll(async () => {
  if (!RUN) return;
  work = mkdtempSync(join(tmpdir(), "kp-html-report-"));
  [browser, reports] = await Promise.all([launchChromium(), makeReports(work)]);
  for (const r of reports) if (r.run.code === 0) opened.set(r.name, await openReport(browser, r.html));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const NAMES = ["sweep", "scenario", "comparison", "capacity"] as const;
/** Charts drawn over time: they zoom. */
const TIME_CHART = /over time|vs time/i;

describe.skipIf(!RUN).each(NAMES)("report.html of a %s in Chromium", (name) => {
  const report = () => reports.find((r) => r.name === name)!;
  const page = () => {
    const p = opened.get(name);
    if (!p) throw new Error(`${name}: the command failed (exit ${report().run.code}):\n${report().run.stderr}`);
    return p;
  };

  it("the terminal names report.html, and the file is one self-contained page", () => {
    const { run, html } = report();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`report: ${html}\n`);
    const text = readFileSync(html, "utf8");
    // (booleans, not the text: a failure must not print 600 KB of inlined vega)
    expect(/<(script|link|img|iframe)[^>]+(src|href)=/i.test(text), "an element that loads a URL").toBe(false);
    const bytes = statSync(html).size;
    console.log(`${name}: report.html ${(bytes / 1024).toFixed(0)} KiB`); // the page size the README quotes
    expect(bytes).toBeLessThan(2_000_000);
  });

  it("forbids every request (Content-Security-Policy default-src 'none')", async () => {
    const csp = await page().page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
    expect(csp).toMatch(/^default-src 'none';/);
  });

  it("loads from file:// with no console error and no network request, and starts every chart", () => {
    const p = page();
    expect(p.errors).toEqual([]);
    expect(p.requests).toEqual([]);
    expect(p.charts).toBeGreaterThanOrEqual({ sweep: 4, scenario: 3, comparison: 3, capacity: 1 }[name]);
  });

  it("every chart draws its marks", async () => {
    const charts = await marksPerChart(page().page);
    expect(charts).toHaveLength(page().charts);
    for (const c of charts) {
      expect(c.failed, c.heading).toBe(false);
      expect(c.marks, c.heading).toBeGreaterThan(5);
    }
  });

  it("a hover over a point of every chart shows a tooltip with a value", async () => {
    const charts = await marksPerChart(page().page);
    for (const [i, c] of charts.entries()) {
      const tip = await hoverTooltip(page().page, i);
      expect(tip, `${c.heading}: no tooltip`).not.toBeNull();
      expect(tip, c.heading).toMatch(/\d/);
    }
  });

  it("a click on a legend entry fades the other series, a second click brings them back", async () => {
    const charts = await marksPerChart(page().page);
    let toggled = 0;
    for (const [i, c] of charts.entries()) {
      const t = await toggleLegend(page().page, i);
      if (t === null) continue;
      toggled++;
      expect(t.after.some((o) => o > 0.9) && t.after.some((o) => o < 0.5), `${c.heading}: ${t.after}`).toBe(true);
      expect(t.again, c.heading).toEqual(t.before);
    }
    expect(toggled).toBeGreaterThan(0);
  });

  it("the time charts zoom on the wheel", async () => {
    const charts = await marksPerChart(page().page);
    const timeCharts = charts.flatMap((c, i) => (TIME_CHART.test(c.heading) ? [i] : []));
    // A capacity run has no chart over time (its probes are levels, not a timeline).
    if (name === "capacity") expect(timeCharts).toEqual([]);
    else expect(timeCharts.length).toBeGreaterThan(0);
    for (const i of timeCharts) {
      const { before, after } = await zoomWithWheel(page().page, i);
      expect(after, charts[i]!.heading).not.toEqual(before);
    }
  });

  it("keeps a screenshot as a test artifact (the page as it opens, before any zoom or click)", async () => {
    const path = join(ARTIFACTS, `${name}.png`);
    const fresh = await openReport(browser, report().html);
    await saveScreenshot(fresh.page, path);
    await fresh.page.close();
    expect(statSync(path).size).toBeGreaterThan(20_000);
  });
});

describe.skipIf(!RUN)("what the pages must not contain", () => {
  it("the sweep's API key and credential header appear nowhere in its report.html", () => {
    const text = readFileSync(reports.find((r) => r.name === "sweep")!.html, "utf8");
    expect(text).not.toContain(SWEEP_SECRETS.apiKey);
    expect(text).not.toContain(SWEEP_SECRETS.header);
  });

  it("a label with markup is shown as text, not parsed", async () => {
    const p = opened.get("comparison")!.page;
    expect(await p.locator("b").count()).toBe(0);
    expect(await p.locator("h1").innerText()).toContain("second <b>&");
  });
});
