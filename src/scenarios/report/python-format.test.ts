import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pyFormatG, pyIntList, pyNumber, pyRepr, pyStrRepr, pyTypeName } from "./python-format.ts";

describe("Python's text of values in messages", () => {
  it("str of ints and floats (hand-checked against python3)", () => {
    expect([pyNumber(3, "int"), pyNumber(3, "float"), pyNumber(1e-5, "float"), pyNumber(0.1, "float"), pyNumber(-0.5, "float")]).toEqual(["3", "3.0", "1e-05", "0.1", "-0.5"]);
    expect([pyNumber(Infinity, "float"), pyNumber(-Infinity, "float"), pyNumber(NaN, "float"), pyNumber(1e16, "float")]).toEqual(["inf", "-inf", "nan", "1e+16"]);
  });

  it("format(x, 'g') (hand-checked against python3)", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [6, "6"],
      [1.5, "1.5"],
      [0.1, "0.1"],
      [1234567, "1.23457e+06"],
      [999999.5, "1e+06"],
      [123456, "123456"],
      [0.0001, "0.0001"],
      [0.00001234, "1.234e-05"],
      [-2.5, "-2.5"],
      [1 / 3, "0.333333"],
      [Infinity, "inf"],
    ];
    for (const [x, want] of cases) expect(pyFormatG(x)).toBe(want);
  });

  it("format(x, 'g') of a whole count is the count (any run's request count)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999_999 }), (n) => pyFormatG(n) === String(n)));
  });

  it("repr of strs, lists, None; type names", () => {
    expect([pyStrRepr("0.2"), pyStrRepr("it's"), pyRepr(null), pyRepr(0.2), pyRepr(2, "int")]).toEqual(["'0.2'", '"it\'s"', "None", "0.2", "2"]);
    expect(pyIntList([0, 2])).toBe("[0, 2]");
    expect([pyTypeName([]), pyTypeName({}), pyTypeName("x"), pyTypeName(1, "int"), pyTypeName(null), pyTypeName(true)]).toEqual(["list", "dict", "str", "int", "NoneType", "bool"]);
  });
});
