/**
 * Whether the `openssl` CLI the certificate tests need is here. Missing: the tests skip on a developer machine, and
 * fail under CI=true (a CI image without openssl must not pass by skipping them).
 */
import { spawnSync } from "node:child_process";

export function opensslSkipReason(): string | undefined {
  const probe = spawnSync("openssl", ["version"], { encoding: "utf8" });
  if (probe.status === 0) return undefined;
  const reason = `the openssl CLI is not available (${probe.error?.message ?? probe.stderr.trim()}): the TLS client-certificate tests need it to make throwaway certificates`;
  if (process.env.CI === "true") throw new Error(`${reason}; CI=true: install openssl in the CI image`);
  console.warn(`skipping: ${reason}`);
  return reason;
}
