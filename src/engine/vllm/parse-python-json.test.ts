import { describe, expect, it } from "vitest";
import { parsePythonJson } from "./parse-python-json.ts";

describe("parsePythonJson", () => {
  it("parses plain JSON untouched", () => {
    expect(parsePythonJson('{"request_rate": "inf", "a": [1, 2.5]}')).toEqual({ value: { request_rate: "inf", a: [1, 2.5] }, nonFinite: 0 });
  });

  it("reads Python's bare NaN / Infinity / -Infinity as null, but not inside strings", () => {
    const text = '{"a": NaN, "b": "NaN and Infinity", "c": -Infinity, "d": [Infinity, 1], "e": "say \\"NaN\\"", "NaN": 2}';
    expect(parsePythonJson(text)).toEqual({
      value: { a: null, b: "NaN and Infinity", c: null, d: [null, 1], e: 'say "NaN"', NaN: 2 },
      nonFinite: 3,
    });
  });

  it("still throws JSON.parse's SyntaxError for text that is not JSON", () => {
    expect(() => parsePythonJson('{"duration": 1')).toThrow(SyntaxError);
    expect(() => parsePythonJson('{"a": NaNa}')).toThrow(SyntaxError);
  });
});
