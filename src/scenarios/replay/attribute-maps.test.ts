import { describe, expect, it } from "vitest";
import { mappedAttributes } from "./attribute-maps.ts";
import { withHeaders } from "../../engine/merge-headers.ts";

describe("attribute_to_header_map / attribute_to_label_map", () => {
  it("each mapped attribute as Python's str(value), 'default' when absent or null", () => {
    const attrs = { s: "abc", i: 500, f: 0.7, small: 1e-7, t: true, n: null, l: ["a", 1], d: { k: "v" } };
    const map = { s: "S", i: "I", f: "F", small: "Small", t: "T", n: "N", l: "L", d: "D", gone: "Gone" };
    expect(mappedAttributes(attrs, map)).toEqual({ S: "abc", I: "500", F: "0.7", Small: "1e-07", T: "True", N: "default", L: "['a', 1]", D: "{'k': 'v'}", Gone: "default" });
    expect(mappedAttributes(attrs, null)).toBeUndefined();
    expect(mappedAttributes(attrs, {})).toBeUndefined();
  });

  it("a mapped header replaces the client's header of the same name in any case", () => {
    expect(withHeaders({ "content-type": "application/json", authorization: "Bearer k" }, { Authorization: "x", "X-A": "1" })).toEqual({ "content-type": "application/json", Authorization: "x", "X-A": "1" });
    const base = { a: "1" };
    expect(withHeaders(base, undefined)).toBe(base);
  });
});
