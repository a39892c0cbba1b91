/** Runs the `kneepoint` bin as a user would, in its own process, and collects what it prints. For process tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const BIN = fileURLToPath(new URL("../bin/kneepoint.js", import.meta.url));

export interface KneepointRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to this process's environment, or the whole environment with `inheritEnv: false`. */
  env?: Record<string, string>;
  inheritEnv?: boolean;
  cwd?: string;
  /** Called with all of stderr so far, on every chunk (e.g. to act at a point of the run). */
  onStderr?(stderr: string, child: ChildProcess): void;
}

export function runKneepoint(args: string[], opts: RunOptions = {}): Promise<KneepointRun> {
  return new Promise((resolve) => {
    const env = opts.inheritEnv === false ? (opts.env ?? {}) : { ...process.env, ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr, child);
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
