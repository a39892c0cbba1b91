import { describe, expect, it } from "vitest";
import { pythonYamlDump, pythonYamlFloat, pythonYamlString } from "./python-yaml.ts";

describe("pythonYamlDump", () => {
  it("PyYAML's yaml.dump(sort_keys=False, default_flow_style=False) of nested mappings", () => {
    // expected text: PyYAML 6.0.4's output for the same dict
    const doc = { version: "0.2.1", run: { uid: "u", time: { start: "2025-11-24T16:00:00Z", duration: "PT0.062S" } }, results: { a: { total: 1, latency: {} } } };
    expect(pythonYamlDump(doc)).toBe(
      [
        "version: 0.2.1",
        "run:",
        "  uid: u",
        "  time:",
        "    start: '2025-11-24T16:00:00Z'",
        "    duration: PT0.062S",
        "results:",
        "  a:",
        "    total: 1",
        "    latency: {}",
        "",
      ].join("\n"),
    );
  });

  it("ints and floats as the caller types them", () => {
    expect(pythonYamlDump({ a: 3, b: 3 }, (path) => (path[0] === "a" ? "int" : "float"))).toBe("a: 3\nb: 3.0\n");
  });

  it("refuses a list (no document kneepoint writes has one)", () => {
    expect(() => pythonYamlDump({ a: [1] })).toThrow(/list at a/);
  });
});

describe("pythonYamlFloat", () => {
  it("repr, with .0 before an exponent without a dot", () => {
    expect(pythonYamlFloat(1e-5)).toBe("1.0e-05");
    expect(pythonYamlFloat(1e16)).toBe("1.0e+16");
    expect(pythonYamlFloat(3.1031676915590914e-17)).toBe("3.1031676915590914e-17");
    expect(pythonYamlFloat(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(pythonYamlFloat(12)).toBe("12.0");
    expect([pythonYamlFloat(NaN), pythonYamlFloat(Infinity), pythonYamlFloat(-Infinity)]).toEqual([".nan", ".inf", "-.inf"]);
  });
});

describe("pythonYamlString", () => {
  it("plain unless YAML 1.1 would read it as something else", () => {
    for (const s of ["0.2.1", "s/token", "tokens/s", "PT3.062S", "count", "inference-perf-stage-0-1e100000"]) expect(pythonYamlString(s)).toBe(s);
    expect(pythonYamlString("1.5")).toBe("'1.5'");
    expect(pythonYamlString("12")).toBe("'12'");
    expect(pythonYamlString("yes")).toBe("'yes'");
    expect(pythonYamlString("null")).toBe("'null'");
    expect(pythonYamlString("")).toBe("''");
    expect(pythonYamlString("2025-11-24")).toBe("'2025-11-24'");
    expect(pythonYamlString("it's")).toBe("'it''s'");
  });
});
