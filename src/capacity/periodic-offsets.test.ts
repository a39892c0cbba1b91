import { describe, expect, it } from "vitest";
import { periodicOffsetsMs } from "./periodic-offsets.ts";

describe("periodicOffsetsMs", () => {
  it("spaces arrivals exactly 1/rate apart from 0", () => {
    expect([...periodicOffsetsMs(4, 5)]).toEqual([0, 250, 500, 750, 1000]);
    expect(periodicOffsetsMs(3, 0).length).toBe(0);
  });
});
