import { describe, expect, it } from "vitest";
import { compileTraceFilter } from "./trace-filter.ts";

const rec = { benchmark: "gsm8k", session_id: "s1", models: ["gpt-4", "llama"], max_tokens: 120, total_tokens: 300, spans: [{ name: "chat a" }, { name: "tool b" }], harness: null, meta: { tags: ["x"] } };
const run = (src: string, r: Record<string, unknown> = rec) => compileTraceFilter(src)!(r, 0);

describe("otel_trace_replay.filter: the safe subset of Python lambdas", () => {
  it("the documented examples", () => {
    expect(run("lambda x: x['benchmark'] == 'gsm8k'")).toBe(true);
    expect(run("lambda x: x['benchmark'] == 'swe'")).toBe(false);
    expect(run("lambda x: 'spans' in x and len(x['spans']) > 5")).toBe(false);
    expect(run("lambda x: 'spans' in x and len(x['spans']) > 1")).toBe(true);
  });

  it("items, .get, membership, is None, chains and boolean operators with Python's meaning", () => {
    expect(run(`lambda rec: rec["spans"][-1]["name"] == "tool b"`)).toBe(true);
    expect(run("lambda x: x.get('missing') is None and x.get('harness') is None and x.get('session_id') is not None")).toBe(true);
    expect(run("lambda x: x.get('missing', 'd') == 'd'")).toBe(true);
    expect(run("lambda x: 'gpt-4' in x['models'] and 'claude' not in x['models']")).toBe(true);
    expect(run("lambda x: x['benchmark'] in ('gsm8k', 'swe') and x['benchmark'] in ['gsm8k']")).toBe(true);
    expect(run("lambda x: 'sm8' in x['benchmark']")).toBe(true);
    expect(run("lambda x: 100 < x['max_tokens'] <= 120 < x['total_tokens']")).toBe(true);
    expect(run("lambda x: 100 < x['max_tokens'] < 110")).toBe(false);
    expect(run("lambda x: not (x['max_tokens'] >= 200 or x['benchmark'] != 'gsm8k')")).toBe(true);
    expect(run("lambda x: x['meta']['tags'] == ['x'] and len(x['meta']) == 1")).toBe(true);
    expect(run("lambda x: x['max_tokens'] == 120.0 and True == 1 and x.get('harness') or x['benchmark']")).toBe(true); // `or` returns 'gsm8k', truthy
    expect(run("lambda x: x.get('harness')")).toBe(false);
    expect(run("lambda x: -1 < 0.5 and x['spans'] != []")).toBe(true);
  });

  it("refuses anything outside the subset when compiled, with the column and the supported forms", () => {
    const msg = (src: string) => {
      try {
        compileTraceFilter(src);
      } catch (e) {
        return `${(e as Error).message} | ${(e as { hint?: string }).hint}`;
      }
      return "accepted";
    };
    expect(msg("lambda x: __import__('os').system('id')")).toMatch(/^data\.otel_trace_replay\.filter: "__import__" is not part of the supported subset \(column 11 of .*\); kneepoint evaluates a safe subset of Python lambdas, not Python \| supported: lambda x: <expr> with x\['key'\]/);
    expect(msg("lambda x: x['a'].lower() == 'b'")).toMatch(/the only method supported is \.get\(key\[, default\]\) \(column 18/);
    expect(msg("lambda x: x['n'] + 1 > 2")).toMatch(/"\+" is not part of the supported subset \(column 18/);
    expect(msg("x['benchmark'] == 'gsm8k'")).toMatch(/must be a lambda of one parameter/);
    expect(msg("lambda x: y['a'] == 1")).toMatch(/"y" is not part of the supported subset/);
    expect(msg("lambda x: x['a'] is 'b'")).toMatch(/`is` is supported with None only/);
    expect(msg("lambda x: x['a'] == 'b")).toMatch(/the string is not closed \(column 21/);
    expect(msg("lambda x: x['a'] == 1 1")).toMatch(/unexpected "1"/);
    expect(compileTraceFilter(null)).toBeNull();
  });

  it("a record it cannot be applied to stops the run, naming the record (as Python's KeyError stops 0.7.0)", () => {
    const f = compileTraceFilter("lambda x: x['nope'] == 1")!;
    expect(() => f(rec, 3)).toThrow(/filter: cannot be applied to trace record 3 \(session_id s1\): no key "nope" \(KeyError\)/);
    expect(() => run("lambda x: x['benchmark'] > 3")).toThrow(/'>' between str and int/);
    expect(() => run("lambda x: len(x['max_tokens']) > 3")).toThrow(/len\(\) of int/);
  });
});
