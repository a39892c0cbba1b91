import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { formatError, main } from "./main.ts";
import { EnvironmentError, UsageError, exitCodeFor } from "../errors.ts";
import { HARNESS_VERSION } from "../version.ts";

describe("top-level error handling", () => {
  it("maps typed errors to the documented exit codes", () => {
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
    expect(exitCodeFor(new EnvironmentError("x"))).toBe(3);
    expect(exitCodeFor(new Error("x"))).toBe(1);
  });

  it("prints one line plus a hint, and the stack only with --debug", () => {
    const err = new EnvironmentError("target http://127.0.0.1:1 refused the connection", "start one with `kneepoint sim`");
    expect(formatError(err, false)).toBe(
      "kneepoint: target http://127.0.0.1:1 refused the connection\n  hint: start one with `kneepoint sim`",
    );
    expect(formatError(err, true)).toContain("at ");
  });

  it("reports unknown commands as usage errors", async () => {
    const write = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(await main(["no-such-command"])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
  });

  it("keeps the harness version in step with package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(HARNESS_VERSION).toBe(pkg.version);
  });
});
