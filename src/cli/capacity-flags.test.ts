/** The search flags the runner passes to the Job (capacityJobArgs) parse back, in the Job's command, to the options it validated. */
import { describe, expect, it } from "vitest";
import { Command } from "commander";
import { addCapacitySearchFlags, capacityJobArgs, parseCapacityFlags } from "./capacity-flags.ts";

function parseArgs(args: string[]): Record<string, unknown> {
  const cmd = addCapacitySearchFlags(new Command("capacity")).exitOverride();
  cmd.parse(args, { from: "user" });
  return cmd.opts();
}

describe("capacityJobArgs", () => {
  it("round-trips every option, defaults and SLOs with shell characters included", () => {
    const { options } = parseCapacityFlags(parseArgs(["--slo", "p95(ttft)<=500ms", "--slo", "error_rate<=1%", "--search", "rate", "--arrival", "periodic", "--start-rate", "2.5", "--min-probe-s", "1", "--repeats", "0"]));
    const args = capacityJobArgs(options);
    expect(args.slice(0, 4)).toEqual(["--slo", "p95(ttft)<=500ms", "--slo", "error_rate<=1%"]);
    expect(args).toEqual(expect.arrayContaining(["--min-probe-s", "1", "--start-concurrency", "4", "--warmup-fraction", "0.1"]));
    expect(parseCapacityFlags(parseArgs(args)).options).toEqual(options);
  });

  it("leaves out an option that has no value (the rate search's start then comes from the closed loop)", () => {
    const { options } = parseCapacityFlags(parseArgs(["--slo", "p95(ttft)<=1s"]));
    expect(capacityJobArgs(options)).not.toContain("--start-rate");
  });
});
