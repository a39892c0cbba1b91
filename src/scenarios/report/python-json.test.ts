import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pythonFloatRepr, pythonJsonDumps, pythonJsonDumpsBytes, pythonJsonString } from "./python-json.ts";

// Expected strings were produced by CPython 3.12 (`repr(x)`, `json.dumps(…)`), then written here by hand.
describe("pythonFloatRepr (Python's repr of a float)", () => {
  it.each([
    [3, "3.0"],
    [0.1, "0.1"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1e16, "1e+16"],
    [1.5e16, "1.5e+16"],
    [1e15, "1000000000000000.0"],
    [123456789012345.6, "123456789012345.6"],
    [-0, "-0.0"],
    [0, "0.0"],
    [2.5e-7, "2.5e-07"],
    [0.30000000000000004, "0.30000000000000004"],
    [-1234.5, "-1234.5"],
    [9.476000002450746e-6, "9.476000002450746e-06"],
    [1e22, "1e+22"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ])("%s → %s", (x, expected) => {
    expect(pythonFloatRepr(x)).toBe(expected);
  });

  it("round-trips: parsing the text gives the same double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(pythonFloatRepr(x))).toBe(x);
      }),
    );
  });
});

describe("pythonJsonDumps (json.dumps with ensure_ascii)", () => {
  it("escapes like Python: non-ASCII as \\uXXXX per UTF-16 unit, DEL too, '/' not", () => {
    expect(pythonJsonString('é\u007f\n"/\\😀\u0001')).toBe('"\\u00e9\\u007f\\n\\"/\\\\\\ud83d\\ude00\\u0001"');
  });

  it("one line with ', ' and ': ' separators; floats marked by the caller", () => {
    const v = { a: [1, 2, {}], b: "x", c: [], d: null, e: true };
    const floatAt = (path: readonly (string | number)[]) => (path[0] === "a" && path[1] === 1 ? "float" : "int");
    expect(pythonJsonDumps(v, { numberType: floatAt })).toBe('{"a": [1, 2.0, {}], "b": "x", "c": [], "d": null, "e": true}');
  });

  it("indent=2 as Python: ',' at line ends, empty containers inline", () => {
    const v = { a: [1, 2.5, {}], c: [], f: { g: 1 } };
    expect(pythonJsonDumps(v, { indent: 2 })).toBe('{\n  "a": [\n    1,\n    2.5,\n    {}\n  ],\n  "c": [],\n  "f": {\n    "g": 1\n  }\n}');
  });

  it("the byte length of an inference-perf request body (json.dumps(payload) in openai_client.py)", () => {
    // CPython: len(json.dumps({"model": "m", "prompt": "héllo", "max_tokens": 30, "ignore_eos": True, "stream": True,
    //   "stream_options": {"include_usage": True}}).encode()) == 135
    const body = { model: "m", prompt: "héllo", max_tokens: 30, ignore_eos: true, stream: true, stream_options: { include_usage: true } };
    const text = pythonJsonDumps(body);
    expect(text).toBe('{"model": "m", "prompt": "h\\u00e9llo", "max_tokens": 30, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}');
    expect(pythonJsonDumpsBytes(body)).toBe(135);
    // Compact JS JSON of the same object is shorter by the separators' spaces and the escape: 119 UTF-8 bytes.
    expect(Buffer.byteLength(JSON.stringify(body))).toBe(119);
  });

  it("parses back to the same value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(pythonJsonDumps(v))).toEqual(JSON.parse(JSON.stringify(v)));
        expect(JSON.parse(pythonJsonDumps(v, { indent: 2 }))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});
