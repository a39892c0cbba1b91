/**
 * How long a `kneepoint` process takes before it does anything: `--help`, `run --help`, and `sim` until it prints
 * that it listens (what every test and every fake vLLM pod waits for). Each is spawned as a user would
 * (node bin/kneepoint.js, TypeScript through tsx), 7 times after a warm-up; medians and ranges of wall time.
 * Run it on a quiet machine: the figures are wall-clock.
 *   npm run bench:startup
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/kneepoint.js", import.meta.url));
const RUNS = 7;

function timeExit(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`kneepoint ${args.join(" ")} exited ${r.status}`);
  return performance.now() - t;
}

function timeSimReady(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [BIN, "sim", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("listening on")) {
        const ms = performance.now() - t;
        child.kill("SIGTERM");
        child.on("close", () => resolve(ms));
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!out.includes("listening on")) reject(new Error(`kneepoint sim exited ${code} before listening`));
    });
  });
}

async function measure(name: string, once: () => number | Promise<number>): Promise<void> {
  await once(); // warm-up: tsx's transform cache, the OS's file cache
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) ms.push(await once());
  ms.sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} median ${ms[RUNS >> 1]!.toFixed(0).padStart(5)} ms   min ${ms[0]!.toFixed(0).padStart(5)}   max ${ms[RUNS - 1]!.toFixed(0).padStart(5)}`);
}

await measure("node (no kneepoint)", () => {
  const t = performance.now();
  spawnSync(process.execPath, ["-e", ""], { stdio: "ignore" });
  return performance.now() - t;
});
await measure("kneepoint --help", () => timeExit(["--help"]));
await measure("kneepoint run --help", () => timeExit(["run", "--help"]));
await measure("kneepoint sim, to listening", timeSimReady);
