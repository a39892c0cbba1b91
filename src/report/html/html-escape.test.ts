import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorId, escapeHtml, jsonForScript, scriptSafe } from "./html-escape.ts";

describe("escapeHtml", () => {
  it("escapes the five characters that can start markup or end an attribute", () => {
    expect(escapeHtml(`<b title="x" onclick='y'>&amp;</b>`)).toBe("&lt;b title=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/b&gt;");
  });

  it("leaves no < > \" ' and no bare & for any text", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
      }),
    );
  });
});

describe("jsonForScript", () => {
  it("cannot close the script element, and parses back to the same value", () => {
    const value = { label: "</script><script>alert(1)</script>", note: "<!-- & -->", sep: "a\u2028b\u2029c" };
    const out = jsonForScript(value);
    expect(out).not.toMatch(/<\/script|<!--|[<>&\u2028\u2029]/i);
    expect(JSON.parse(out)).toEqual(value);
  });

  it("round-trips any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(jsonForScript(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});

describe("scriptSafe and anchorId", () => {
  it("breaks every </script in inlined source", () => {
    expect(scriptSafe('var s = "</script>"; var t = "</SCRIPT"')).toBe('var s = "<\\/script>"; var t = "<\\/SCRIPT"');
  });

  it("makes unique ids from headings", () => {
    const taken = new Set<string>();
    expect(["Steps", "Steps", "Per-QPS Results: QPS = 10.0", "<>"].map((h) => anchorId(h, taken))).toEqual(["steps", "steps-2", "per-qps-results-qps-10-0", "section"]);
  });
});
