import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { newRequestRecord } from "../../engine/request-record.ts";
import type { ScenarioRecord, StagePlan, StageRun } from "../types.ts";
import { summarizeStageLoad } from "./stage-load-summary.ts";
import { minAchievedRateRps, stageWarnings } from "./stage-warnings.ts";

function record(i: number, scheduledMs: number, sendMs: number): ScenarioRecord {
  return { ...newRequestRecord(i, 10, 0), stage: 0, scheduledMs, sendMs, endMs: sendMs + 100 };
}
function run(plan: StagePlan, sends: Array<[scheduledMs: number, sendMs: number]>): StageRun {
  const records = sends.map(([s, t], i) => record(i, s, t));
  return { index: 2, plan, status: "completed", startMs: 0, endMs: 0, startEpochMs: 0, endEpochMs: 0, records, unsent: 0 };
}

describe("summarizeStageLoad", () => {
  it("computes schedule delays and achieved = count / (max send − min send), by hand", () => {
    // 4 sends over 1,500 ms → 4 / 1.5 s = 2.667 req/s; delays 0, 12, 12, 1000 ms.
    const s = summarizeStageLoad(run({ kind: "constant", rate: 2, durationS: 2 }, [[500, 500], [990, 1002], [1488, 1500], [1000, 2000]]));
    expect(s.count).toBe(4);
    expect(s.scheduleDelaysMs).toEqual([0, 12, 12, 1000]);
    expect(s.sendDurationS).toBe(1.5);
    expect(s.achievedRateRps).toBeCloseTo(4 / 1.5, 12);
    expect(s.requestedRateRps).toBe(2);
    expect(s.concurrency).toBeNull();
  });

  it("has no achieved rate with fewer than two sends, and no requested rate for a closed loop", () => {
    expect(summarizeStageLoad(run({ kind: "constant", rate: 1, durationS: 1 }, [[1000, 1001]])).achievedRateRps).toBeNull();
    const c = summarizeStageLoad(run({ kind: "concurrent", concurrency: 8, numRequests: 2 }, [[0, 1], [0, 3]]));
    expect(c.requestedRateRps).toBeNull();
    expect(c.concurrency).toBe(8);
    expect(c.achievedRateRps).toBe(1000); // 2 sends 2 ms apart
  });

  it("property: the achieved rate is invariant under the order of the records", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 1e3, noNaN: true })), { minLength: 2, maxLength: 50 }), (pairs) => {
        const sends = pairs.map(([s, d]) => [s, s + d] as [number, number]);
        const a = summarizeStageLoad(run({ kind: "poisson", rate: 5, durationS: 10 }, sends));
        const b = summarizeStageLoad(run({ kind: "poisson", rate: 5, durationS: 10 }, [...sends].reverse()));
        expect(b.achievedRateRps).toBe(a.achievedRateRps);
        expect(a.scheduleDelaysMs.every((d) => d >= 0)).toBe(true);
      }),
    );
  });
});

describe("stageWarnings", () => {
  it("flags a median schedule delay over 10 ms: the client is being measured", () => {
    // delays 0, 12, 12, 1000 → median 12 ms
    const w = stageWarnings(run({ kind: "constant", rate: 2, durationS: 2 }, [[500, 500], [990, 1002], [1488, 1500], [1000, 2000]]));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^stage 2: median schedule delay 12\.0 ms exceeds 10 ms/);
    expect(w[0]).toContain("the client, not the server, is being measured");
  });

  it("with session data, names the wait for the session's previous turn as a cause", () => {
    const delayed = run({ kind: "constant", rate: 2, durationS: 2 }, [[500, 500], [990, 1002], [1488, 1500], [1000, 2000]]);
    expect(stageWarnings(delayed, undefined, { sessions: true })[0]).toMatch(/median schedule delay 12\.0 ms .*turns waited for their session's previous turn/);
    expect(stageWarnings(delayed)[0]).not.toMatch(/session/);
  });

  it("does not flag a median of exactly 10 ms", () => {
    expect(stageWarnings(run({ kind: "constant", rate: 2, durationS: 2 }, [[0, 0], [490, 500], [990, 1000], [1000, 1500]]))).toEqual([]);
  });

  it("flags a constant stage that achieved under 95 % of its rate", () => {
    // rate 4 asked; 4 sends over 2 s → 2 req/s = 50 %
    const w = stageWarnings(run({ kind: "constant", rate: 4, durationS: 1 }, [[0, 0], [0, 600], [0, 1300], [0, 2000]].map(([, t]) => [t!, t!] as [number, number])));
    expect(w).toEqual([expect.stringMatching(/^stage 2: achieved 2\.00 req\/s is 50 % of the requested 4 req\/s/)]);
  });

  it("for a poisson stage, allows the shortfall chance explains: 1 − 3/√n below 95 %", () => {
    expect(minAchievedRateRps({ index: 0, plan: { kind: "poisson", rate: 10, durationS: 1 } } as StageRun, 100)).toBeCloseTo(7, 12); // 10 × (1 − 0.3)
    expect(minAchievedRateRps({ index: 0, plan: { kind: "poisson", rate: 10, durationS: 1 } } as StageRun, 10_000)).toBeCloseTo(9.5, 12);
    expect(minAchievedRateRps({ index: 0, plan: { kind: "constant", rate: 10, durationS: 1 } } as StageRun, 100)).toBeCloseTo(9.5, 12);
    expect(minAchievedRateRps({ index: 0, plan: { kind: "concurrent", concurrency: 1, numRequests: 1 } } as StageRun, 100)).toBeNull();
    // 100 sends over 12.5 s at a requested 10 req/s = 8 req/s: 80 % ≥ 70 %, not flagged.
    const sends = Array.from({ length: 100 }, (_, i) => [(i * 12500) / 99, (i * 12500) / 99] as [number, number]);
    expect(stageWarnings(run({ kind: "poisson", rate: 10, durationS: 10 }, sends))).toEqual([]);
    expect(stageWarnings(run({ kind: "constant", rate: 10, durationS: 10 }, sends))).toHaveLength(1);
  });

  it("says a slow closed loop is the client's refill time, and never flags a closed loop's rate", () => {
    const w = stageWarnings(run({ kind: "concurrent", concurrency: 2, numRequests: 3 }, [[0, 20], [0, 30], [100, 150]]));
    expect(w).toEqual([expect.stringMatching(/median schedule delay 30\.0 ms .*refill a free slot/)]);
  });

  it("has nothing to say about an empty stage", () => {
    expect(stageWarnings(run({ kind: "constant", rate: 10, durationS: 10 }, []))).toEqual([]);
  });
});
