import { describe, expect, it } from "vitest";
import { parseRawJson } from "./raw-json.ts";
import { allowedDifferenceS, compareLatencies, isComparedStat } from "./latency-diff.ts";

const report = (ttft: Record<string, number | null>) =>
  parseRawJson(JSON.stringify({ successes: { latency: { time_to_first_token: ttft, request_latency: null } } }));

describe("latency comparison", () => {
  it("compares the mean, min, max and every percentile key, not counts", () => {
    expect(["mean", "median", "min", "max", "p0.1", "p99.9", "p25"].every(isComparedStat)).toBe(true);
    expect(isComparedStat("count")).toBe(false);
  });

  it("allows max(absolute, relative × |inference-perf's|)", () => {
    expect(allowedDifferenceS(0.02, { absoluteS: 0.001, relative: 0.01 })).toBe(0.001);
    expect(allowedDifferenceS(0.5, { absoluteS: 0.001, relative: 0.01 })).toBeCloseTo(0.005, 12);
  });

  it("adds the client-overhead allowance only when kneepoint reads below inference-perf", () => {
    const t = { absoluteS: 0.002, relative: 0.02, clientOverheadS: 0.0015 };
    expect(allowedDifferenceS(0.1, t, 0.097)).toBeCloseTo(0.0035, 12); // max(2 ms, 2 % of 100 ms) + 1.5 ms
    expect(allowedDifferenceS(0.1, t, 0.103)).toBeCloseTo(0.002, 12); // kneepoint above: no allowance
    // The CI run that failed at max(2 ms, 2 %): 99.599 vs 97.481 ms now passes; one ITL (5 ms) lower still fails.
    const ip = parseRawJson(JSON.stringify({ successes: { latency: { request_latency: { median: 0.099599 } } } }));
    const at = (v: number) => compareLatencies(ip, parseRawJson(JSON.stringify({ successes: { latency: { request_latency: { median: v } } } })))[0]!;
    expect(at(0.097481)).toMatchObject({ ok: true });
    expect(at(0.094599)).toMatchObject({ ok: false });
    expect(at(0.102)).toMatchObject({ ok: false }); // 2.4 ms above: the allowance is one-sided
  });

  it("holds p25 and the median to 2 ms / 2 %, the other stats to the sanity bound, and names both values", () => {
    const ip = report({ mean: 0.025, p25: 0.021, median: 0.022, p99: 0.06 });
    const kp = report({ mean: 0.031, p25: 0.0225, median: 0.0245, p99: 0.3 });
    const byStat = Object.fromEntries(compareLatencies(ip, kp).map((c) => [c.stat, c]));
    expect(byStat.mean).toMatchObject({ tier: "sanity", ok: true, path: "successes.latency.time_to_first_token.mean" });
    expect(byStat.p25).toMatchObject({ tier: "central", ok: true });
    expect(byStat.p25!.diffS).toBeCloseTo(0.0015, 12); // within 2 ms
    expect(byStat.median).toMatchObject({ tier: "central", ok: false, ip: 0.022, kp: 0.0245 });
    expect(byStat.median!.diffS).toBeCloseTo(0.0025, 12); // 2.5 ms above: more than 2 ms and 2 % of 22 ms
    expect(byStat.p99).toMatchObject({ tier: "sanity", ok: false }); // 240 ms off: more than 100 ms and 100 %
  });

  it("fails a stat one side leaves null, passes one both leave null", () => {
    const [oneNull] = compareLatencies(report({ median: 0.02 }), report({ median: null }));
    expect(oneNull).toMatchObject({ ok: false, ip: 0.02, kp: null, diffS: Infinity });
    const [bothNull] = compareLatencies(report({ median: null }), report({ median: null }));
    expect(bothNull).toMatchObject({ ok: true });
  });
});
