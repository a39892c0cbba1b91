/**
 * One container instance as a local process — what containerd + runc would start: argv = command + args, the
 * container's environment, its working dir, in its own process group (`detached`), stdout and stderr into the
 * CRI log file. The executable is looked up in the container's PATH first, as runc's exec does, so a missing one
 * is the runtime's StartError message rather than a spawn error. The process runs under
 * `setpriv --pdeathsig KILL` (when available), so it dies with the test process even if no cleanup runs.
 *
 * Exit codes as containerd reports them: the process's code, or 128 + signal number when a signal ended it
 * (143 for SIGTERM, 137 for SIGKILL); reason "Completed" for 0, "Error" otherwise.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { constants as osConstants } from "node:os";
import type { CriLogFile } from "./cri-log-file.ts";
import { trackGroup, untrackGroup } from "./host-resources.ts";

const SETPRIV = (() => {
  try {
    return spawnSync("setpriv", ["--pdeathsig", "KILL", "--", "true"]).status === 0 ? "setpriv" : undefined;
  } catch {
    return undefined;
  }
})();

/** Resolves argv[0] like exec.LookPath in the container's PATH; undefined when not found or not executable. */
export function lookPath(file: string, pathEnv: string, cwd: string): string | undefined {
  const candidates = file.includes("/") ? [file.startsWith("/") ? file : join(cwd, file)] : pathEnv.split(":").filter(Boolean).map((d) => join(d, file));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function startError(argv0: string, reason: "missing" | "no-command"): string {
  // runc's error text for a failed exec, as containerd reports it in the StartError.
  if (reason === "no-command") {
    return "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: no command specified (the node agent has no image entrypoint: set command): unknown";
  }
  return `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "${argv0}": executable file not found in $PATH: unknown`;
}

export interface ExitInfo {
  exitCode: number;
  signal?: string;
}

export interface RunningProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<ExitInfo>;
  /** Signals the whole process group. */
  signal(sig: NodeJS.Signals): void;
}

export function startProcess(executable: string, args: string[], env: Record<string, string>, cwd: string, log: CriLogFile): RunningProcess {
  const [cmd, argv] = SETPRIV ? [SETPRIV, ["--pdeathsig", "KILL", "--", executable, ...args]] : [executable, args];
  const child = spawn(cmd, argv, { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const pid = child.pid ?? -1;
  if (pid > 0) trackGroup(pid);
  child.stdout!.on("data", (c: Buffer) => log.write("stdout", c));
  child.stderr!.on("data", (c: Buffer) => log.write("stderr", c));
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on("error", () => resolve({ exitCode: 128 }));
    child.on("close", (code, sig) => {
      const n = sig ? (osConstants.signals as Record<string, number>)[sig] ?? 0 : 0;
      resolve({ exitCode: code ?? 128 + n, ...(sig ? { signal: sig } : {}) });
    });
  });
  child.on("exit", () => {
    // The container's init process is gone: what it left in its group goes with it (the runtime tears down the
    // container's PID namespace), which also closes the pipes a background child might hold open.
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* empty */
    }
  });
  void exited.then(() => untrackGroup(pid));
  return {
    pid,
    child,
    exited,
    signal(sig) {
      try {
        process.kill(-pid, sig);
      } catch {
        /* gone */
      }
    },
  };
}
