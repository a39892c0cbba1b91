/**
 * Advance widths from a TrueType font's own tables, so vega lays out text with the widths resvg will draw
 * (vega in Node has no canvas and otherwise guesses 0.8 em per character, which spreads every chart out).
 * Reads `head` (unitsPerEm), `hhea` (numberOfHMetrics), `hmtx` and a Unicode BMP `cmap` (format 4).
 * Kerning is ignored (a fraction of a pixel per pair). Pure: the font's bytes come in.
 */

/** Width of `text` at `fontSizePx`, in px. */
export type TextWidth = (text: string, fontSizePx: number) => number;

export function fontAdvanceWidths(font: Uint8Array): TextWidth {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = tableOffsets(view);
  const head = requireTable(tables, "head");
  const hhea = requireTable(tables, "hhea");
  const hmtx = requireTable(tables, "hmtx");
  const unitsPerEm = view.getUint16(head + 18);
  const numberOfHMetrics = view.getUint16(hhea + 34);
  const glyphOf = bmpGlyphLookup(view, requireTable(tables, "cmap"));
  const advanceOf = (glyph: number): number =>
    view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));

  const emCache = new Map<number, number>();
  const emWidth = (codePoint: number): number => {
    let em = emCache.get(codePoint);
    if (em === undefined) {
      em = advanceOf(glyphOf(codePoint)) / unitsPerEm;
      emCache.set(codePoint, em);
    }
    return em;
  };
  return (text, fontSizePx) => {
    let em = 0;
    for (const ch of text) em += emWidth(ch.codePointAt(0) ?? 0);
    return em * fontSizePx;
  };
}

function tableOffsets(view: DataView): Map<string, number> {
  const numTables = view.getUint16(4);
  const tables = new Map<string, number>();
  for (let i = 0; i < numTables; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(
      view.getUint8(record),
      view.getUint8(record + 1),
      view.getUint8(record + 2),
      view.getUint8(record + 3),
    );
    tables.set(tag, view.getUint32(record + 8));
  }
  return tables;
}

function requireTable(tables: Map<string, number>, tag: string): number {
  const offset = tables.get(tag);
  if (offset === undefined) throw new Error(`font has no '${tag}' table: use a TrueType (.ttf) font`);
  return offset;
}

/** Code point → glyph id from the first Unicode format-4 subtable (platform 3/1 or 0/x); 0 (.notdef) when unmapped. */
function bmpGlyphLookup(view: DataView, cmap: number): (codePoint: number) => number {
  const numSubtables = view.getUint16(cmap + 2);
  let sub = -1;
  for (let i = 0; i < numSubtables && sub < 0; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const offset = cmap + view.getUint32(record + 4);
    const unicode = platform === 0 || (platform === 3 && encoding === 1);
    if (unicode && view.getUint16(offset) === 4) sub = offset;
  }
  if (sub < 0) throw new Error("font has no Unicode format-4 cmap: use a TrueType (.ttf) font");
  const segCount = view.getUint16(sub + 6) / 2;
  const endCodes = sub + 14;
  const startCodes = endCodes + 2 * segCount + 2;
  const idDeltas = startCodes + 2 * segCount;
  const idRangeOffsets = idDeltas + 2 * segCount;
  return (codePoint) => {
    if (codePoint > 0xffff) return 0;
    for (let i = 0; i < segCount; i++) {
      if (view.getUint16(endCodes + 2 * i) < codePoint) continue;
      const start = view.getUint16(startCodes + 2 * i);
      if (start > codePoint) return 0;
      const delta = view.getInt16(idDeltas + 2 * i);
      const rangeOffsetAt = idRangeOffsets + 2 * i;
      const rangeOffset = view.getUint16(rangeOffsetAt);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = view.getUint16(rangeOffsetAt + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}
