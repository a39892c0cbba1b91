/** The Python string behaviour synthetic_agentic's text depends on, with values Python 3.12 gives (written by hand). */
import { describe, expect, it } from "vitest";
import { formatFields, formatMap, isUpper, pyJsonDumps, pySplit, pyStr } from "./py-format.ts";

describe("Python string behaviour", () => {
  it("str.format_map: fields filled, {{ and }} unescaped, a missing key or a lone brace is Python's error (null)", () => {
    expect(formatMap("p99={p99_ms}ms {{raw}} {p99_ms}", { p99_ms: "12" })).toBe("p99=12ms {raw} 12");
    expect(formatFields("{b} {a} {b} {{c}}")).toEqual(["b", "a"]);
    expect(formatMap("{a} {b}", { a: "1" })).toBeNull();
    expect(formatMap("a } b", {})).toBeNull();
  });
  it("json.dumps: ', ' and ': ' separators; ensure_ascii escapes non-ASCII (surrogate pairs beyond the BMP)", () => {
    expect(pyJsonDumps({ a: [1, true, null], "é": "x\u00e9\ud83d\ude00\n" })).toBe('{"a": [1, true, null], "\\u00e9": "x\\u00e9\\ud83d\\ude00\\n"}');
    expect(pyJsonDumps({ "é": "é\u007f" }, false)).toBe('{"é": "é\u007f"}');
    expect(pyJsonDumps(["\u007f"])).toBe('["\\u007f"]');
  });
  it("str(), str.split() and str.isupper() as Python", () => {
    expect([pyStr(true), pyStr(3), pyStr("s"), pyStr(null)]).toEqual(["True", "3", "s", "None"]);
    expect(pySplit("  a\u00a0b\u2003c\ufeffd\x1ce ")).toEqual(["a", "b", "c\ufeffd", "e"]);
    expect([isUpper("DBP1"), isUpper("Db2"), isUpper("123"), isUpper("SEV-1")]).toEqual([true, false, false, true]);
  });
});
