import { describe, expect, it } from "vitest";
import { at, numberOf, parseRawJson, pythonType, renderValue, type RawJson } from "./raw-json.ts";
import { parseRawYaml } from "./raw-yaml.ts";

const typeAt = (doc: RawJson, ...keys: string[]) => pythonType(at(doc, ...keys)!);

describe("parseRawJson: types as Python's json.load sees them", () => {
  it("tells an int from a float by the number's text", () => {
    const doc = parseRawJson('{"a": 3, "b": 3.0, "c": -0.5, "d": 1e3, "e": 2E-2, "f": -7, "g": 0}');
    expect(["a", "b", "c", "d", "e", "f", "g"].map((k) => typeAt(doc, k))).toEqual(["int", "float", "float", "float", "float", "int", "int"]);
  });

  it("reads Python's NaN, Infinity and -Infinity as floats", () => {
    const doc = parseRawJson('[NaN, Infinity, -Infinity]');
    expect(doc.kind === "array" && doc.items.map(pythonType)).toEqual(["float", "float", "float"]);
    expect(doc.kind === "array" && numberOf(doc.items[0])).toBeNaN();
    expect(doc.kind === "array" && numberOf(doc.items[2])).toBe(-Infinity);
  });

  it("keeps key order, strings with escapes, bools, null and nesting", () => {
    const doc = parseRawJson('{"z": {"b": [true, null], "a": "x\\"y\\u00e9"}, "p0.1": false}');
    expect(doc.kind === "object" && doc.entries.map(([k]) => k)).toEqual(["z", "p0.1"]);
    expect(at(doc, "z", "a")).toEqual({ kind: "string", value: 'x"yé' });
    expect(typeAt(doc, "z", "b")).toBe("array");
    expect(typeAt(doc, "p0.1")).toBe("bool");
    expect(renderValue(at(doc, "z"))).toBe("{b, a}");
  });

  it("rejects what is not JSON, with the offset", () => {
    expect(() => parseRawJson('{"a": 1,}')).toThrow(/offset 8/);
    expect(() => parseRawJson("[1] 2")).toThrow(/trailing/);
    expect(() => parseRawJson('"open')).toThrow(/unterminated/);
  });
});

describe("parseRawYaml: types as PyYAML's safe_load sees them", () => {
  it("keeps ints, floats, nulls and key order apart", () => {
    const doc = parseRawYaml("rate: 4\nmean: 4.0\nnan: .nan\nmodel: null\nlist: [1, 2.5]\n'0': x\n");
    expect(doc.kind === "object" && doc.entries.map(([k]) => k)).toEqual(["rate", "mean", "nan", "model", "list", "0"]);
    expect(["rate", "mean", "nan", "model"].map((k) => typeAt(doc, k))).toEqual(["int", "float", "float", "null"]);
    expect(at(doc, "mean")).toEqual({ kind: "number", text: "4.0" });
    const list = at(doc, "list");
    expect(list?.kind === "array" && list.items.map(pythonType)).toEqual(["int", "float"]);
  });
});
