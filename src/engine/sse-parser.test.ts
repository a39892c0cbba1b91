import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createSseParser } from "./sse-parser.ts";

const enc = new TextEncoder();

function parseWhole(text: string): string[] {
  return createSseParser().push(enc.encode(text));
}

function parseSplit(bytes: Uint8Array, cuts: number[]): string[] {
  const p = createSseParser();
  const out: string[] = [];
  let prev = 0;
  for (const c of [...cuts.sort((a, b) => a - b), bytes.length]) {
    out.push(...p.push(bytes.subarray(prev, c)));
    prev = c;
  }
  return out;
}

describe("SSE parser", () => {
  it("parses vLLM's stream: data lines, usage chunk, [DONE]", () => {
    const stream =
      'data: {"choices":[{"text":"a"}]}\n\n' + 'data: {"choices":[],"usage":{"completion_tokens":1}}\n\n' + "data: [DONE]\n\n";
    expect(parseWhole(stream)).toEqual(['{"choices":[{"text":"a"}]}', '{"choices":[],"usage":{"completion_tokens":1}}', "[DONE]"]);
  });

  it("follows the spec's field rules: comments, other fields, no-space data, multi-line data, CRLF", () => {
    const stream = ": ping\n\nevent: message\nid: 7\ndata:x\ndata: y\n\r\ndata: z\r\n\r\nretry: 10\n\n";
    expect(parseWhole(stream)).toEqual(["x\ny", "z"]);
  });

  it("keeps an unfinished event buffered until its blank line arrives", () => {
    const p = createSseParser();
    expect(p.push(enc.encode("data: {\"a\":"))).toEqual([]);
    expect(p.pending()).toBeGreaterThan(0);
    expect(p.push(enc.encode("1}\n"))).toEqual([]);
    expect(p.push(enc.encode("\n"))).toEqual(['{"a":1}']);
    expect(p.pending()).toBe(0);
  });

  it("reassembles multi-byte UTF-8 split across chunks", () => {
    const bytes = enc.encode("data: héllo 🙂\n\n");
    for (let cut = 1; cut < bytes.length; cut++) expect(parseSplit(bytes, [cut])).toEqual(["héllo 🙂"]);
  });

  it("gives the same events for any split of the byte stream (property)", () => {
    const payload = fc.string({ unit: "binary", maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, " "));
    const eventArb = fc.record({ data: fc.array(payload, { minLength: 1, maxLength: 3 }), crlf: fc.boolean(), comment: fc.boolean() });
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (events, rawCuts) => {
        const text = events
          .map((e) => {
            const nl = e.crlf ? "\r\n" : "\n";
            return (e.comment ? ": keep-alive" + nl : "") + e.data.map((d) => "data: " + d + nl).join("") + nl;
          })
          .join("");
        const bytes = enc.encode(text);
        const cuts = rawCuts.map((c) => (bytes.length ? c % bytes.length : 0));
        const expected = events.map((e) => e.data.join("\n"));
        expect(parseSplit(bytes, cuts)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
