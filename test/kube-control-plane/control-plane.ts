/**
 * Starts a real Kubernetes control plane for a test, on loopback, from the cached `kcp` binary (build.ts):
 * etcd, kube-apiserver (real TLS, client-certificate auth, Node+RBAC authorization, the default admission
 * plugins incl. PodSecurity, ResourceQuota, LimitRanger, ServiceAccount, plus NodeRestriction, service-account
 * token signing), kube-controller-manager (all default controllers, each with its own service-account
 * credentials) and kube-scheduler. No nodes: pods stay Pending until a node agent registers one.
 *
 *   const cp = await startControlPlane();
 *   try { … new KubeConfig().loadFromFile(cp.kubeconfigPath) … } finally { await cp.stop(); }
 *
 * Everything lives in one temp dir (PKI, kubeconfigs, etcd data, one log file per component). Each component runs
 * in its own process group, and with KCP_PARENT_PID the binary asks the kernel for SIGKILL when this process
 * dies (PR_SET_PDEATHSIG), so neither stop() nor a killed test leaves a process behind. When startup fails, the
 * error carries the tail of the component's log.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildControlPlane, tail } from "./build.ts";
import { makePki, type Pki } from "./certs.ts";
import type { Component } from "./pins.ts";

export interface ControlPlaneOptions {
  /** The kcp binary; default: buildControlPlane() (the cached one, built when missing). */
  binary?: string;
  /** Service cluster IP range (--service-cluster-ip-range). Default 10.96.0.0/16. */
  serviceCIDR?: string;
  /** Extra flags per component, appended last (they win). */
  extraArgs?: Partial<Record<Component, string[]>>;
  /** klog verbosity of the Kubernetes components (--v). Default 0. */
  verbosity?: number;
  /** Give up waiting for the control plane after this long. Default 120 s. */
  startTimeoutMs?: number;
  /** Leave the temp dir after stop() (for debugging). Default: KNEEPOINT_KCP_KEEP=1. */
  keepDir?: boolean;
  log?: (line: string) => void;
}

export interface ControlPlane {
  /** Admin kubeconfig (system:masters client certificate, CA embedded). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** The temp dir: PKI, kubeconfigs, etcd data, <component>.log. Removed by stop(). */
  dir: string;
  pki: Pki;
  /** Milliseconds from the call to a ready control plane. */
  startupMs: number;
  /** The last lines of a component's log. */
  logTail(component: Component, lines?: number): string;
  /** Stops every process (SIGTERM, then SIGKILL after 5 s) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * --enable-admission-plugins: added to the API server's default-on set, which in 1.36 already holds
 * NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity, ResourceQuota, Priority, DefaultTolerationSeconds,
 * DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize, RuntimeClass, CertificateApproval,
 * CertificateSigning, ClusterTrustBundleAttest, CertificateSubjectRestriction, DefaultIngressClass,
 * TaintNodesByCondition, Mutating/ValidatingAdmissionWebhook, (Mutating)ValidatingAdmissionPolicy, PodGroupProtection
 * and the feature-gated PodTopologyLabels, PodGroupWorkloadExists, NodeDeclaredFeatureValidator, JobValidation,
 * PodResizeValidator. Listing the four the tests rely on keeps them on even if a default changes; NodeRestriction is
 * what kubeadm adds (it limits a node's credentials to its own Node and pods, for the node agent).
 */
export const ADMISSION_PLUGINS = ["NamespaceLifecycle", "LimitRanger", "ServiceAccount", "PodSecurity", "ResourceQuota", "NodeRestriction"];

/** The controller manager's controllers: every default-on one (job, deployment, replicaset, serviceaccount(-token), endpointslice, namespace, garbagecollector, resourcequota, nodelifecycle, …). */
export const CONTROLLERS = "*";

const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** n distinct free TCP ports on 127.0.0.1 (held open together so none repeats, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import("node:net").Server>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** The first host address of an IPv4 CIDR (the `kubernetes` Service's ClusterIP, a SAN of the serving cert). */
function firstIp(cidr: string): string {
  const [addr = "", bitsText = "32"] = cidr.split("/");
  const bits = Number(bitsText);
  const n = addr.split(".").reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const v = (((n & mask) >>> 0) + 1) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}

function kubeconfig(server: string, caFile: string, user: string, cert: string, key: string, embed: boolean): string {
  const b64 = (f: string) => readFileSync(f).toString("base64");
  const cluster = embed ? { server, "certificate-authority-data": b64(caFile) } : { server, "certificate-authority": caFile };
  const creds = embed ? { "client-certificate-data": b64(cert), "client-key-data": b64(key) } : { "client-certificate": cert, "client-key": key };
  // JSON is YAML: client-go and @kubernetes/client-node both read it.
  return `${JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "kneepoint-test", cluster }],
      users: [{ name: user, user: creds }],
      contexts: [{ name: "kneepoint-test", context: { cluster: "kneepoint-test", user, namespace: "default" } }],
      "current-context": "kneepoint-test",
    },
    null,
    2,
  )}\n`;
}

interface Proc {
  component: Component;
  child: ChildProcess;
  logFile: string;
  exited?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Resolves true when the process exits, false after ms (the timer is cleared, so it never holds the process open). */
function exitWithin(p: Proc, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (p.exited !== undefined) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    p.child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** GET a URL; resolves with status and body, or rejects on a connection error. */
function get(url: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  const mod = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    // agent: false — no keep-alive socket left to hold the process open after stop().
    const req = mod.get(url, { ...opts, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** Every process group started by this process and not yet stopped: killed on exit whatever happens. */
const running = new Set<number>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of running) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

const DIR_PREFIX = "kneepoint-kcp-";

/**
 * Removes the temp dirs of control planes whose test process died without cleaning up (SIGKILL, a crash): their
 * processes are gone with it (PR_SET_PDEATHSIG); the owner's pid is in <dir>/owner.pid.
 */
function sweepOrphanDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      const pid = Number(readFileSync(join(dir, "owner.pid"), "utf8"));
      if (!pid) continue;
      try {
        process.kill(pid, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ESRCH") rmSync(dir, { recursive: true, force: true });
      }
    } catch {
      /* not ours, or being created */
    }
  }
}

/**
 * The ports are picked free and then handed to the components, so another test file's process may take one in between
 * (seen: the scheduler's "bind: address already in use"). Such a start is retried with fresh ports, twice at most.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startControlPlaneOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
      (opts.log ?? (() => {}))(`control plane: a port was taken before its component bound it; starting again (attempt ${attempt + 1})`);
    }
  }
}

async function startControlPlaneOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const binary = opts.binary ?? (await buildControlPlane({ log: (s) => console.log(s) }));
  const serviceCIDR = opts.serviceCIDR ?? "10.96.0.0/16";
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const deadline = started + timeoutMs;
  const keep = opts.keepDir ?? process.env.KNEEPOINT_KCP_KEEP === "1";
  const v = String(opts.verbosity ?? 0);

  installExitHook();
  sweepOrphanDirs();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, "owner.pid"), String(process.pid));
  if (!keep) tempDirs.add(dir);
  const procs: Proc[] = [];
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Clients first, storage last; each group gets SIGTERM, then SIGKILL when it has not exited in 5 s.
    for (const p of [...procs].reverse()) {
      if (p.exited === undefined && p.child.pid) {
        try {
          process.kill(-p.child.pid, "SIGTERM");
        } catch {
          /* already gone */
        }
        if (!(await exitWithin(p, 5000))) {
          try {
            process.kill(-p.child.pid, "SIGKILL");
          } catch {
            /* gone */
          }
          await exitWithin(p, 2000);
        }
      }
      // Anything left in the group (a component's children, if one ever has any).
      try {
        if (p.child.pid) process.kill(-p.child.pid, "SIGKILL");
      } catch {
        /* the group is empty */
      }
      if (p.child.pid) running.delete(p.child.pid);
    }
    if (!keep) {
      await rm(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    } else {
      console.log(`KNEEPOINT_KCP_KEEP: control plane files left in ${dir}`);
    }
  };

  const logTail = (component: Component, lines = 40): string => {
    const p = procs.find((x) => x.component === component);
    try {
      return p ? tail(readFileSync(p.logFile, "utf8"), lines) : "(not started)";
    } catch {
      return "(no log)";
    }
  };

  const start = (component: Component, args: string[]): Proc => {
    const logFile = join(dir, `${component}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(binary, [component, ...args, ...(opts.extraArgs?.[component] ?? [])], {
      cwd: dir,
      detached: true, // own process group: stop() signals the whole group
      stdio: ["ignore", fd, fd],
      env: { ...process.env, KCP_PARENT_PID: String(process.pid) },
    });
    closeSync(fd);
    const p: Proc = { component, child, logFile };
    child.on("exit", (code, signal) => {
      p.exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (child.pid) running.delete(child.pid);
    });
    child.on("error", (err) => (p.exited = `could not start: ${err.message}`));
    if (child.pid) running.add(child.pid);
    child.unref();
    procs.push(p);
    log(`started ${component} (pid ${child.pid}), log ${logFile}`);
    return p;
  };

  /** Polls check() until it returns true; fails with the component's log tail when it exits or time runs out. */
  const waitFor = async (p: Proc, what: string, check: () => Promise<boolean>): Promise<void> => {
    let last = "";
    for (;;) {
      if (p.exited !== undefined) throw new Error(`${p.component} ${p.exited} while waiting for ${what}; ${p.logFile} ends:\n${logTail(p.component)}`);
      try {
        if (await check()) return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(`${p.component}: ${what} not reached in ${(timeoutMs / 1000).toFixed(0)} s${last ? ` (last error: ${last})` : ""}; ${p.logFile} ends:\n${logTail(p.component)}`);
      }
      await sleep(150);
    }
  };

  try {
    const [etcdClient = 0, etcdPeer = 0, apiPort = 0, kcmPort = 0, schedPort = 0] = await freePorts(5);
    const pki = await makePki(dir, {
      ips: ["127.0.0.1", firstIp(serviceCIDR)],
      dns: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
    });
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(dir, "admin.kubeconfig");
    await writeFile(kubeconfigPath, kubeconfig(server, pki.ca.cert, "kneepoint-test-admin", pki.admin.cert, pki.admin.key, true), { mode: 0o600 });
    const kcmKubeconfig = join(dir, "kube-controller-manager.kubeconfig");
    const schedKubeconfig = join(dir, "kube-scheduler.kubeconfig");
    await writeFile(kcmKubeconfig, kubeconfig(server, pki.ca.cert, "system:kube-controller-manager", pki.controllerManager.cert, pki.controllerManager.key, false));
    await writeFile(schedKubeconfig, kubeconfig(server, pki.ca.cert, "system:kube-scheduler", pki.scheduler.cert, pki.scheduler.key, false));
    await Promise.all(["etcd-data", "apiserver-certs", "kcm-certs", "scheduler-certs"].map((d) => mkdir(join(dir, d), { mode: 0o700 })));

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = start("etcd", [
      "--name=kcp",
      `--data-dir=${join(dir, "etcd-data")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=kcp=${peerUrl}`,
      "--initial-cluster-state=new",
      "--unsafe-no-fsync", // a test cluster: no durability wanted, fsync only costs time
      // One member on loopback: elect it in ~100 ms instead of the default 1 s election timeout.
      "--heartbeat-interval=10",
      "--election-timeout=100",
      "--log-level=warn",
    ]);
    const pkiCa = readFileSync(pki.ca.cert);
    const adminTls = { ca: pkiCa, cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key) };
    await waitFor(etcd, `etcd /health at ${etcdUrl}`, async () => {
      const r = await get(`${etcdUrl}/health`);
      return r.status === 200 && /"health":\s*"true"/.test(r.body);
    });

    const apiserver = start("kube-apiserver", [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      "--authorization-mode=Node,RBAC",
      `--enable-admission-plugins=${ADMISSION_PLUGINS.join(",")}`,
      "--allow-privileged=true", // as kubeadm: privileged pods are then PodSecurity's to refuse, per namespace
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${serviceCIDR}`,
      `--kubelet-client-certificate=${pki.kubeletClient.cert}`,
      `--kubelet-client-key=${pki.kubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.ca.cert}`,
      // The aggregation layer's request-header authentication, as kubeadm sets it up (one CA here): without it
      // the controller manager and scheduler log an error for the missing requestheader CA every few seconds.
      `--requestheader-client-ca-file=${pki.ca.cert}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
      // The reconciler would publish 127.0.0.1 as the `kubernetes` Service's endpoint, which validation refuses
      // (loopback), and log that every 10 s: on loopback the Service has no endpoints.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      `--v=${v}`,
    ]);
    await waitFor(apiserver, `${server}/readyz`, async () => (await get(`${server}/readyz`, adminTls)).status === 200);

    const common = (kc: string, port: number, certDir: string) => [
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, certDir)}`,
      "--leader-elect=false", // one replica: no lease round-trip before work starts
      // Client-side rate limit (default 20 qps, burst 30): the controller manager's start-up (one
      // ServiceAccount and token per controller) is mostly waiting on it.
      "--kube-api-qps=200",
      "--kube-api-burst=400",
      "--profiling=false",
      `--v=${v}`,
    ];
    const kcm = start("kube-controller-manager", [
      ...common(kcmKubeconfig, kcmPort, "kcm-certs"),
      `--controllers=${CONTROLLERS}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      "--use-service-account-credentials=true",
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      `--service-cluster-ip-range=${serviceCIDR}`,
    ]);
    const scheduler = start("kube-scheduler", common(schedKubeconfig, schedPort, "scheduler-certs"));
    const insecure = { rejectUnauthorized: false }; // they serve a self-signed cert from --cert-dir
    await Promise.all([
      waitFor(kcm, `https://127.0.0.1:${kcmPort}/healthz`, async () => (await get(`https://127.0.0.1:${kcmPort}/healthz`, insecure)).status === 200),
      waitFor(scheduler, `https://127.0.0.1:${schedPort}/healthz`, async () => (await get(`https://127.0.0.1:${schedPort}/healthz`, insecure)).status === 200),
    ]);
    // The serviceaccount controller's first act: pods in "default" can be admitted (ServiceAccount admission).
    await waitFor(kcm, "the default ServiceAccount in namespace default", async () => (await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, adminTls)).status === 200);

    const startupMs = Date.now() - started;
    log(`control plane ready at ${server} in ${startupMs} ms (dir ${dir})`);
    return { kubeconfigPath, server, dir, pki, startupMs, logTail, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads a component log of a running control plane (for assertions or debugging). */
export async function readComponentLog(cp: ControlPlane, component: Component): Promise<string> {
  const f = join(cp.dir, `${component}.log`);
  return existsSync(f) ? readFile(f, "utf8") : "";
}
