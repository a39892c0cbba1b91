import { describe, expect, it } from "vitest";
import { createFaultDrawer, parseFaultHeader } from "./fault-injection.ts";

const noRates = {
  faultErrorRate: 0,
  faultErrorStatus: 500,
  faultRateLimitRate: 0,
  faultDisconnectRate: 0,
  faultStallRate: 0,
  faultStallMs: 2000,
  faultMalformedRate: 0,
};

describe("x-kneepoint-fault header", () => {
  it("parses every item of the grammar", () => {
    expect(parseFaultHeader("status=503")).toEqual({ status: 503 });
    expect(parseFaultHeader("rate-limit")).toEqual({ rateLimit: true });
    expect(parseFaultHeader(" stall-ms=2000 ; disconnect-after=5, malformed-at=3 ")).toEqual({
      stallMs: 2000,
      disconnectAfter: 5,
      malformedAt: 3,
    });
    expect(parseFaultHeader("")).toEqual({});
  });

  it("rejects unknown items and out-of-range values with the grammar in the message", () => {
    expect(parseFaultHeader("explode")).toMatchObject({ error: expect.stringContaining("status=<400-599>") });
    expect(parseFaultHeader("status=200")).toMatchObject({ error: expect.stringContaining("400-599") });
    expect(parseFaultHeader("malformed-at=0")).toMatchObject({ error: expect.stringContaining("from 1") });
    expect(parseFaultHeader("stall-ms=-1")).toHaveProperty("error");
  });
});

describe("rate-based faults", () => {
  it("are seeded: the same seed gives the same sequence", () => {
    const rates = { ...noRates, faultErrorRate: 0.2, faultDisconnectRate: 0.3, faultMalformedRate: 0.1, faultRateLimitRate: 0.1 };
    const a = createFaultDrawer(rates, 7);
    const b = createFaultDrawer(rates, 7);
    const seqA = Array.from({ length: 50 }, () => a(128));
    expect(Array.from({ length: 50 }, () => b(128))).toEqual(seqA);
  });

  it("hit their rates and keep disconnect/malformed points inside the answer", () => {
    const draw = createFaultDrawer({ ...noRates, faultErrorRate: 0.25, faultErrorStatus: 503, faultDisconnectRate: 0.5, faultMalformedRate: 0.5 }, 1);
    const plans = Array.from({ length: 4000 }, () => draw(100));
    const errors = plans.filter((p) => p.status === 503).length / plans.length;
    expect(errors).toBeGreaterThan(0.22);
    expect(errors).toBeLessThan(0.28);
    for (const p of plans) {
      if (p.disconnectAfter !== undefined) expect(p.disconnectAfter).toBeLessThan(100);
      if (p.malformedAt !== undefined) expect(p.malformedAt).toBeGreaterThanOrEqual(1);
    }
    expect(createFaultDrawer(noRates, 1)(100)).toEqual({});
  });
});
