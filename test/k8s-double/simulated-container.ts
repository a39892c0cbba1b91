/**
 * A ReplicaSet pod's container, simulated (no process): it runs, writes the test's log lines at their times,
 * turns started/ready after `readyAfterMs` (a model server loading), and, when the test asks for a crash,
 * exits with its exit code and is restarted after the kubelet's CrashLoopBackOff delay (base × 2^(restarts-1),
 * capped at 5 min), its earlier log becoming `previous`.
 */
import type { ContainerLog } from "./pod-logs.ts";
import type { PodRunHelpers } from "./pod-run.ts";

export interface SimulatedBehaviour {
  readyAfterMs: number;
  logLines: readonly { afterMs: number; line: string }[];
  crash?: { afterMs: number; exitCode: number };
  crashLoopBackoffMs: number;
  hasStartupProbe: boolean;
}

export interface SimulatedRun {
  restarts: number;
  startedAt: string;
  lastTerminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string };
}

export function runSimulated(
  h: PodRunHelpers,
  run: SimulatedRun,
  names: { container: string; pod: string; namespace: string; uid: string },
  behaviour: SimulatedBehaviour,
  startLog: () => ContainerLog,
  now: () => string,
): void {
  const log = startLog();
  const startedAt = now();
  run.startedAt = startedAt;
  h.record("Normal", "Started", `Started container ${names.container}`);
  h.writeContainer({ running: { startedAt } }, "Running", { ready: false, started: !behaviour.hasStartupProbe });
  for (const { afterMs, line } of behaviour.logLines) {
    if (behaviour.crash && afterMs > behaviour.crash.afterMs) continue;
    h.after(afterMs, () => log.write(line.endsWith("\n") ? line : `${line}\n`));
  }
  const crash = behaviour.crash;
  if (!crash) {
    h.after(behaviour.readyAfterMs, () => h.writeContainer({ running: { startedAt } }, "Running", { ready: true, started: true }));
    return;
  }
  h.after(crash.afterMs, () => {
    log.end();
    run.restarts += 1;
    run.lastTerminated = { exitCode: crash.exitCode, reason: crash.exitCode === 0 ? "Completed" : "Error", startedAt, finishedAt: now() };
    const backoffMs = Math.min(5 * 60_000, behaviour.crashLoopBackoffMs * 2 ** (run.restarts - 1));
    const seconds = Math.round(backoffMs / 1000);
    const podRef = `${names.pod}_${names.namespace}(${names.uid})`;
    h.record("Warning", "BackOff", `Back-off restarting failed container ${names.container} in pod ${podRef}`);
    h.writeContainer({ waiting: { reason: "CrashLoopBackOff", message: `back-off ${seconds}s restarting failed container=${names.container} pod=${podRef}` } }, "Running");
    h.after(backoffMs, () => {
      h.record("Normal", "Created", `Created container: ${names.container}`);
      runSimulated(h, run, names, behaviour, startLog, now);
    });
  });
}
