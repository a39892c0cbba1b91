import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { HtmlReportModel } from "./html-report-model.ts";
import { CONTENT_SECURITY_POLICY, renderHtmlReport } from "./render-html-report.ts";
import { scrubHtmlModel } from "./scrub-html-model.ts";
import { readVegaRuntime } from "./vega-runtime.ts";

const GOLDEN = fileURLToPath(new URL("../../../test/goldens/html-report-small.html", import.meta.url));
const RUNTIME = "/* vega */";

const EVIL = `</script><script>alert("x")</script> & <img src=x onerror=y>`;

/** One section of every kind, text with markup in every place text goes. */
const model: HtmlReportModel = {
  title: `Sweep <run> "1"`,
  subtitle: "model · simulated",
  context: [["Model", EVIL], ["Commit", "abc123"]],
  sections: [
    { kind: "verdict", heading: "Knee and verdict", headline: "Verdict: not saturated", tone: "info", facts: [["Knee", "c=8"]], evidence: ["c=1 → c=2: +90% per doubling", EVIL] },
    { kind: "table", heading: "Steps", columns: [{ header: "conc" }, { header: "label", align: "left" }], rows: [["1", EVIL], ["8 ◀knee", "b"]], highlightRows: [1], notes: ["latencies in ms"] },
    { kind: "text", heading: "Warnings", paragraphs: ["first"], items: [EVIL] },
    { kind: "text", items: ["no heading"] },
  ],
  generator: "kneepoint 0.0.0",
};

const chart = {
  kind: "chart" as const,
  heading: "Throughput",
  vegaLiteSpec: { data: { values: [{ run: EVIL, c: 1, v: 2 }] }, mark: "line" as const, encoding: { x: { field: "c", type: "quantitative" as const }, y: { field: "v", type: "quantitative" as const }, color: { field: "run", type: "nominal" as const } } },
};

describe("renderHtmlReport", () => {
  it("renders a small model as the golden page (UPDATE_GOLDENS=1 rewrites it)", () => {
    const { html } = renderHtmlReport(model, { vegaRuntime: RUNTIME });
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(GOLDEN)) writeFileSync(GOLDEN, html);
    expect(html).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("escapes every text: no markup of the model reaches the page", () => {
    const { html } = renderHtmlReport(model, { vegaRuntime: RUNTIME });
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<run>");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=y&gt;");
    expect(html).toContain("<title>Sweep &lt;run&gt; &quot;1&quot;</title>");
  });

  it("shows every section kind: verdict with its tone, table with aligned cells and the highlighted row, texts, and a contents list", () => {
    const { html } = renderHtmlReport(model, { vegaRuntime: RUNTIME });
    expect(html).toContain('<div class="verdict info"><p class="headline">Verdict: not saturated</p>');
    expect(html).toContain('<tr class="hi"><td class="r">8 ◀knee</td><td class="l">b</td></tr>');
    expect(html).toContain('<th class="l" scope="col">label</th>');
    expect(html).toContain('<p class="notes">latencies in ms</p>');
    expect(html).toContain('<section id="warnings" class="section-text"><h2>Warnings</h2><p>first</p><ul>');
    expect(html).toContain('<li><a href="#steps">Steps</a></li>');
    expect(html).toContain(`content="${CONTENT_SECURITY_POLICY.replace(/'/g, "&#39;")}"`);
  });

  it("a page without charts carries no script; one with a chart carries vega, the compiled spec and the page script", () => {
    expect(renderHtmlReport(model, { vegaRuntime: RUNTIME }).html).not.toContain("<script");
    const { html, warnings } = renderHtmlReport({ ...model, sections: [chart] }, { vegaRuntime: RUNTIME });
    expect(warnings).toEqual([]);
    expect(html).toContain(`<script>${RUNTIME}</script>`);
    const data = /<script type="application\/json" data-chart="throughput-chart">(.*?)<\/script>/s.exec(html);
    expect(data).not.toBeNull();
    // The spec is Vega (not Vega-Lite), made interactive, and the label inside it cannot close the element.
    expect(data![1]).not.toMatch(/<\/script/i);
    const spec = JSON.parse(data![1]!);
    expect(spec.$schema).toContain("vega/v");
    expect(JSON.stringify(spec)).toContain("hover_0");
    expect(JSON.stringify(spec)).toContain(EVIL.replace(/"/g, '\\"'));
    expect(html).toContain('<div class="chart" id="throughput-chart" data-heading="Throughput"></div>');
  });

  it("inlines the real vega runtime by default, with nothing that could end its script element", () => {
    const runtime = readVegaRuntime();
    expect(runtime.length).toBeGreaterThan(300_000);
    const { html } = renderHtmlReport({ ...model, sections: [chart] });
    expect(html.length).toBeGreaterThan(runtime.length);
    expect((html.match(/<\/script>/g) ?? []).length).toBe(3);
  });

  it("a chart vega-lite refuses becomes a note and a warning, never a failed report", () => {
    const bad = { ...chart, heading: "Broken", vegaLiteSpec: { mark: "no-such-mark" } as never };
    const { html, warnings } = renderHtmlReport({ ...model, sections: [bad, chart] }, { vegaRuntime: RUNTIME });
    expect(warnings).toEqual([expect.stringMatching(/^Broken: not drawn: vega-lite refused its spec/)]);
    expect(html).toContain('<p class="chart-error">not drawn: vega-lite refused its spec');
    expect(html).toContain('data-chart="throughput-chart"');
  });
});

describe("scrubHtmlModel", () => {
  it("takes every secret value out of every string, chart data included", () => {
    const secret = "sk-very-secret";
    const dirty: HtmlReportModel = { ...model, context: [["Server args", `--api-key ${secret}`]], sections: [{ ...chart, vegaLiteSpec: { ...chart.vegaLiteSpec, data: { values: [{ run: secret, c: 1, v: 2 }] } } }] };
    const clean = scrubHtmlModel(dirty, [secret, undefined]);
    expect(JSON.stringify(clean)).not.toContain(secret);
    expect(clean.context[0]![1]).toBe("--api-key [redacted]");
    expect(JSON.stringify(dirty)).toContain(secret);
  });
});
