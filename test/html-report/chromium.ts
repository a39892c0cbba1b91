/**
 * Debian's Chromium for the browser tests, driven by playwright-core (its own browsers are never downloaded).
 * Where it is missing, the tests skip with the reason printed; under CI=true they fail instead, saying how to
 * install it: a CI that silently skips the browser test has no browser test.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.KNEEPOINT_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_MISSING = `no Chromium at ${CHROMIUM_PATH}: install Debian's package (\`sudo apt-get install -y chromium\`, or \`npx tsx test/real-peers/install-peers.ts\`), or set KNEEPOINT_CHROMIUM to a Chromium binary`;

const isCi = () => /^(1|true|yes)$/i.test(process.env.CI ?? "");

/** Whether the browser tests run here; prints why not, and throws under CI. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (isCi()) throw new Error(`CI=true and the HTML report's browser test cannot run: ${CHROMIUM_MISSING}`);
  console.warn(`skipping the HTML report's browser tests: ${CHROMIUM_MISSING}`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: these machines and CI containers run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
}
