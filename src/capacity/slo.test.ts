import { describe, expect, it } from "vitest";
import { meetsSlo, parseSlo, sloLabel, sloPercentile } from "./slo.ts";

const ok = (expr: string) => {
  const r = parseSlo(expr);
  if (!r.ok) throw new Error(r.message);
  return r.slo;
};

describe("parseSlo", () => {
  it("reads latency percentiles in ms or s, and error_rate as a ratio", () => {
    expect(ok("p95(ttft)<=500ms")).toMatchObject({ text: "p95(ttft) <= 500ms", op: "<=", limit: 500, subject: { kind: "latency", metric: "ttft", stat: { kind: "p", p: 95 } } });
    expect(ok("p99.9(itl) < 0.05s").limit).toBe(50);
    expect(ok("error_rate<=1%")).toMatchObject({ subject: { kind: "error_rate" }, limit: 0.01 });
    expect(sloPercentile(ok("mean(e2el)<=2s"))).toBe(50);
    expect(sloPercentile(ok("error_rate<=0.02"))).toBeNull();
    expect(sloLabel(ok("median(tpot)<=20ms"))).toBe("median(tpot)");
  });

  it("refuses lower bounds, throughputs and typos with a fix", () => {
    expect(parseSlo("p95(ttft)>500ms")).toMatchObject({ ok: false, fix: "e.g. 'p95(ttft) <= 500ms'" });
    expect(parseSlo("output_throughput<=100")).toMatchObject({ ok: false });
    expect(parseSlo("p95(ttf)<=5ms")).toMatchObject({ ok: false, fix: "did you mean ttft?" });
    expect(parseSlo("capacity_rps<=5")).toMatchObject({ ok: false });
  });

  it("a value on the bound meets <= but not <", () => {
    expect(meetsSlo(ok("p95(ttft)<=500ms"), 500)).toBe(true);
    expect(meetsSlo(ok("p95(ttft)<500ms"), 500)).toBe(false);
  });
});
