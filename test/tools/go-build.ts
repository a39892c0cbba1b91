/**
 * What the test tooling's Go builds share (the control plane, test/kube-control-plane/build.ts, and helm,
 * test/helm/build-helm.ts): a child process with its output kept (stderr capped at its last 512 KiB once over 1 MiB),
 * and one build per cache entry at a time across processes (make's target and a vitest worker may both ask), through
 * a lock directory holding the builder's pid; a lock whose process is gone is taken over.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
    });
    child.on("error", (err) => resolve({ code: -1, stdout, stderr: String(err) }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs fn holding `<dir>/<hash>.lock`; `label` names the build in the waiting line. */
export async function withBuildLock<T>(dir: string, hash: string, label: string, fn: () => Promise<T>, log: (s: string) => void): Promise<T> {
  const lock = join(dir, `${hash}.lock`);
  await mkdir(dir, { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(await readFile(join(lock, "pid"), "utf8").catch(() => "0"));
      if (pid && !alive(pid)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`waiting for another build of ${label} (pid ${pid || "?"}, lock ${lock}) …`);
      told = true;
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
