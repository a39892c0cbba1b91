/**
 * Starts `kneepoint sim` as a child process (so the simulator and the load engine do not share an event loop)
 * and resolves with its URL once it prints its listening line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EnvironmentError } from "../errors.ts";

export interface SimProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL("../../bin/kneepoint.js", import.meta.url));

export async function startSimProcess(args: string[], timeoutMs = 30_000): Promise<SimProcess> {
  const child = spawn(process.execPath, [BIN, "sim", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a Ctrl-C in the terminal reaches the sweep (which winds down) but not the simulator,
    // which must keep serving in-flight requests until the sweep stops it.
    detached: true,
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new EnvironmentError(`the simulator did not start within ${timeoutMs / 1000} s`, stderr.trim().split("\n").pop())), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/[^\s)]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace(/\/+$/, ""));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new EnvironmentError(`the simulator exited with code ${code} before listening: ${stderr.trim().split("\n").slice(-2).join(" ")}`, "run `kneepoint sim --help` to check its flags"));
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  return { url, child, stop };
}
