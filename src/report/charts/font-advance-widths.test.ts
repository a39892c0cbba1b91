import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fontAdvanceWidths } from "./font-advance-widths.ts";
import { CHART_FONT_FILES } from "./render-chart.ts";

describe("fontAdvanceWidths", () => {
  // Liberation Sans is metric-compatible with Arial/Helvetica, whose widths (per 1000 em) are published.
  const regular = fontAdvanceWidths(readFileSync(CHART_FONT_FILES.regular));
  const bold = fontAdvanceWidths(readFileSync(CHART_FONT_FILES.bold));

  it("reads Helvetica-compatible advance widths", () => {
    expect(regular("0", 1000)).toBeCloseTo(556, 0);
    expect(regular("i", 1000)).toBeCloseTo(222, 0);
    expect(regular("m", 1000)).toBeCloseTo(833, 0);
    expect(bold("i", 1000)).toBeCloseTo(278, 0);
  });

  it("sums a string and scales with the font size", () => {
    expect(regular("c=8", 12)).toBeCloseTo(((500 + 584 + 556) * 12) / 1000, 1);
    expect(regular("", 12)).toBe(0);
  });

  it("measures non-ASCII glyphs the charts use (subscript 2, middle dot) and unmapped ones as .notdef", () => {
    expect(regular("₂", 1000)).toBeGreaterThan(100);
    expect(regular("·", 1000)).toBeGreaterThan(100);
    expect(regular("\u{1F600}", 1000)).toBeGreaterThan(0);
  });

  it("rejects bytes that are not a TrueType font", () => {
    expect(() => fontAdvanceWidths(new Uint8Array(64))).toThrow(/no 'head' table/);
  });
});
