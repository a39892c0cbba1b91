/**
 * The vega runtime the report page inlines (node_modules/vega/build/vega.min.js, ~500 KB), read once per
 * process. The same vega that compiles the charts in Node draws them in the browser.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

let cached: string | null = null;

export function readVegaRuntime(): string {
  // vega's exports hide build/ except through its entry point, which sits in that directory.
  cached ??= readFileSync(fileURLToPath(new URL("./vega.min.js", import.meta.resolve("vega"))), "utf8");
  return cached;
}
