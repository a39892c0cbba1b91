import { describe, expect, it } from "vitest";
import { capacityScope } from "./capacity-scope.ts";
import { evaluateGates } from "./evaluate-gates.ts";
import { parseGate } from "./parse-gate.ts";

const gate = (s: string) => {
  const r = parseGate(s);
  if (!r.ok) throw new Error(r.error.message);
  return r.gate;
};

describe("capacity gates", () => {
  it("fail when the answer is below the threshold, pass above it", () => {
    const out = evaluateGates([gate("capacity_rps < 20"), gate("capacity_concurrency < 8")], [capacityScope({ rateRps: 12.5, concurrency: 16 })]);
    expect(out.map((o) => [o.gate, o.status, o.values[0]!.value])).toEqual([
      ["capacity_rps < 20", "fail", 12.5],
      ["capacity_concurrency < 8", "pass", 16],
    ]);
  });

  it("an axis not searched or without an answer cannot pass", () => {
    const [o] = evaluateGates([gate("capacity_rps < 20")], [capacityScope({ rateRps: null, concurrency: 8 })]);
    expect(o).toMatchObject({ status: "fail", values: [{ value: null, note: "not measured" }] });
  });
});
