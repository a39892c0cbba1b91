/**
 * Runs `promtool check metrics` on an exposition text. promtool comes from Debian's `prometheus`
 * package: tests skip with a message when it is missing locally, and fail in CI (CI=true).
 */
import { spawnSync } from "node:child_process";

export const PROMTOOL = process.env.PROMTOOL ?? "promtool";

export function promtoolAvailable(): boolean {
  const r = spawnSync(PROMTOOL, ["--version"], { encoding: "utf8" });
  return r.status === 0;
}

/** True when the test must be skipped (promtool missing outside CI); logs why. */
export function skipWithoutPromtool(): boolean {
  if (promtoolAvailable()) return false;
  if (process.env.CI === "true") throw new Error("promtool is required in CI: install Debian's `prometheus` package");
  console.warn("promtool not found (install Debian's `prometheus` package): skipping the `promtool check metrics` tests");
  return true;
}

/** The problems promtool reports, one per line (empty when the text is clean). */
export function promtoolProblems(text: string): string[] {
  const r = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
  if (r.error) throw r.error;
  return `${r.stdout}\n${r.stderr}`.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}
