/**
 * Runs a peer's executable (inference-perf) as a child process with a deadline, and collects what it prints. The
 * child gets its own process group, so a run that hangs is ended with its worker processes (inference-perf forks
 * one per `load.num_workers`).
 */
import { spawn } from "node:child_process";

export interface ChildRun {
  command: string;
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export function runChild(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ChildRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, opts.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ command: [command, ...args].join(" "), code, timedOut, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** The end of a child's output, for an error message. */
/** The last `lines` lines of a child's output, each cut at 400 characters (a minified traceback line is long). */
export function tail(text: string, lines = 15): string {
  return text
    .trim()
    .split("\n")
    .slice(-lines)
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)} …` : l))
    .join("\n");
}
