/**
 * Debian's Chromium for the browser tests, driven by playwright-core (its own browsers are never downloaded).
 * Where it is missing the tests fail, saying how to install it (make test installs it first), as the tests of the
 * other real components do; only KNEEPOINT_TEST_PEERS=skip, refused under CI=true, skips them.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { peersSkipped } from "../real-peers/peers.ts";

export const CHROMIUM_PATH = process.env.KNEEPOINT_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_MISSING = `no Chromium at ${CHROMIUM_PATH}: install Debian's package (\`sudo apt-get install -y chromium\`, or \`npx tsx test/real-peers/install-peers.ts\`), or set KNEEPOINT_CHROMIUM to a Chromium binary`;

/** Whether the browser tests run here: false only under KNEEPOINT_TEST_PEERS=skip (printed); throws when Chromium is missing. */
export function chromiumAvailable(): boolean {
  if (peersSkipped()) {
    console.warn("KNEEPOINT_TEST_PEERS=skip: not running the HTML report's browser tests");
    return false;
  }
  if (existsSync(CHROMIUM_PATH)) return true;
  throw new Error(`the HTML report's browser test cannot run: ${CHROMIUM_MISSING}`);
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: these machines and CI containers run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
}
