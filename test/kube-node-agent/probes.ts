/**
 * The kubelet's probe workers (pkg/kubelet/prober/worker.go, prober.go, pkg/probe/{http,tcp,exec}) for one
 * running container:
 * - startupProbe runs first; until it succeeds liveness and readiness do not run and the container is not
 *   `started`; failureThreshold consecutive failures → the container is killed ("Container X failed startup probe,
 *   will be restarted") and the worker holds until the next container;
 * - livenessProbe likewise ("failed liveness probe");
 * - readinessProbe toggles `ready` after successThreshold successes / failureThreshold failures (initially not
 *   ready); without one the container is ready as soon as it is started;
 * - each failed attempt is a Warning `Unhealthy` event "<Startup|Liveness|Readiness> probe failed: <output>";
 * - timing: nothing before initialDelaySeconds after the container started, then every periodSeconds, each
 *   attempt bounded by timeoutSeconds; `timeScale` multiplies all three (tests only; 1 = real seconds).
 * httpGet: port by number or container port name, host defaulting to the pod IP, scheme, path, httpHeaders,
 * success on 200–399, "HTTP probe failed with statuscode: N", Go's error text for dial errors and timeouts;
 * tcpSocket: connect; exec: command in the container's environment, success on exit 0, output as the message.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import https from "node:https";
import { connect } from "node:net";
import type { V1Container, V1Probe } from "@kubernetes/client-node";

export type ProbeKind = "Startup" | "Liveness" | "Readiness";

export interface ProbeHooks {
  started(): void;
  ready(ready: boolean): void;
  unhealthy(kind: ProbeKind, output: string): void;
  /** Startup or liveness failed failureThreshold times: kill (and maybe restart) the container. */
  kill(kind: "Startup" | "Liveness", message: string): void;
}

export interface ProbeContext {
  podIP: string;
  env: Record<string, string>;
  cwd: string;
  timeScale: number;
}

type Result = { ok: boolean; output: string };

function resolvePort(container: V1Container, port: number | string): number {
  if (typeof port === "number" || /^\d+$/.test(String(port))) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port ${port} in container`);
  return named.containerPort;
}

function httpProbe(container: V1Container, probe: V1Probe, ctx: ProbeContext, timeoutMs: number): Promise<Result> {
  const g = probe.httpGet!;
  const scheme = (g.scheme ?? "HTTP").toLowerCase();
  const host = g.host || ctx.podIP;
  let port: number;
  try {
    port = resolvePort(container, g.port as number | string);
  } catch (err) {
    return Promise.resolve({ ok: false, output: (err as Error).message });
  }
  const path = g.path?.startsWith("/") ? g.path : `/${g.path ?? ""}`;
  const url = `${scheme}://${host}:${port}${path}`;
  const mod = scheme === "https" ? https : http;
  return new Promise((resolve) => {
    const headers: Record<string, string> = { "User-Agent": "kube-probe/1.36", Accept: "*/*" };
    for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
    const req = mod.get(url, { headers, agent: false, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => {
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true, output: "" } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "PROBE_TIMEOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, output: `Get "${url}": ${goDialError(err, host, port)}` }));
  });
}

/** Go's net error text for what Node reports. */
function goDialError(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `dial tcp ${host}:${port}: connect: connection refused`;
    case "PROBE_TIMEOUT":
      return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    case "ECONNRESET":
      return "read: connection reset by peer";
    case "EHOSTUNREACH":
      return `dial tcp ${host}:${port}: connect: no route to host`;
    default:
      return err.message;
  }
}

function tcpProbe(container: V1Container, probe: V1Probe, ctx: ProbeContext, timeoutMs: number): Promise<Result> {
  const host = probe.tcpSocket!.host || ctx.podIP;
  let port: number;
  try {
    port = resolvePort(container, probe.tcpSocket!.port as number | string);
  } catch (err) {
    return Promise.resolve({ ok: false, output: (err as Error).message });
  }
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs });
    s.on("connect", () => {
      s.destroy();
      resolve({ ok: true, output: "" });
    });
    s.on("timeout", () => {
      s.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    });
    s.on("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, output: goDialError(err, host, port) }));
  });
}

function execProbe(probe: V1Probe, ctx: ProbeContext, timeoutMs: number): Promise<Result> {
  const argv = probe.exec?.command ?? [];
  return new Promise((resolve) => {
    if (argv.length === 0) return resolve({ ok: false, output: "exec probe without a command" });
    const child = spawn(argv[0]!, argv.slice(1), { env: ctx.env, cwd: ctx.cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
      resolve({ ok: false, output: `command ${JSON.stringify(argv.join(" "))} timed out` });
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: err.message });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output: out });
    });
  });
}

function runProbe(container: V1Container, probe: V1Probe, ctx: ProbeContext): Promise<Result> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000 * ctx.timeScale;
  if (probe.httpGet) return httpProbe(container, probe, ctx, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(container, probe, ctx, timeoutMs);
  if (probe.exec) return execProbe(probe, ctx, timeoutMs);
  return Promise.resolve({ ok: false, output: "the node agent runs httpGet, tcpSocket and exec probes only" });
}

/** Starts the container's probe workers; returns stop(). `startedAtMs` is when the container started. */
export function startProbes(container: V1Container, ctx: ProbeContext, startedAtMs: number, hooks: ProbeHooks): () => void {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(() => {
        timers.delete(t);
        r();
      }, Math.max(0, ms));
      timers.add(t);
    });
  const scale = ctx.timeScale;
  let started = !container.startupProbe;

  /** One worker: resolves when it must hold (threshold reached for startup/liveness) or stop. */
  const worker = async (kind: ProbeKind, probe: V1Probe, onThreshold: (ok: boolean) => boolean | void) => {
    const period = (probe.periodSeconds ?? 10) * 1000 * scale;
    const delay = (probe.initialDelaySeconds ?? 0) * 1000 * scale;
    const successThreshold = probe.successThreshold ?? 1;
    const failureThreshold = probe.failureThreshold ?? 3;
    await sleep(startedAtMs + delay - Date.now());
    let run = 0;
    let last: boolean | undefined;
    while (!stopped) {
      if (kind === "Startup" || started) {
        const r = await runProbe(container, probe, ctx);
        if (stopped) return;
        if (!r.ok) hooks.unhealthy(kind, r.output);
        run = last === r.ok ? run + 1 : 1;
        last = r.ok;
        if ((r.ok && run >= successThreshold) || (!r.ok && run >= failureThreshold)) {
          if (onThreshold(r.ok) === true) return; // hold
        }
      }
      await sleep(period);
    }
  };

  if (container.startupProbe) {
    void worker("Startup", container.startupProbe, (ok) => {
      if (ok) {
        started = true;
        hooks.started();
        if (!container.readinessProbe) hooks.ready(true);
        return true; // the startup worker is done once started
      }
      hooks.kill("Startup", `Container ${container.name} failed startup probe, will be restarted`);
      return true;
    });
  } else {
    hooks.started();
    if (!container.readinessProbe) hooks.ready(true);
  }
  if (container.livenessProbe) {
    void worker("Liveness", container.livenessProbe, (ok) => {
      if (ok) return false;
      hooks.kill("Liveness", `Container ${container.name} failed liveness probe, will be restarted`);
      return true;
    });
  }
  if (container.readinessProbe) {
    void worker("Readiness", container.readinessProbe, (ok) => {
      hooks.ready(ok);
      return false;
    });
  }
  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}
