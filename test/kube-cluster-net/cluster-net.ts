/**
 * The cluster network the node agent's pods see, standing in for CoreDNS and kube-proxy (test only):
 *
 * - **kube-proxy, userspace mode** (what kube-proxy did before iptables): every Service with a ClusterIP gets that IP
 *   on `lo` (/32) and a TCP listener per port; each connection goes to one ready endpoint of the Service's
 *   EndpointSlices (round robin), at the port the slice publishes for that port's name. So a pod's
 *   `http://vllm:8000` reaches the vLLM pod through the real Service → EndpointSlice path, not a shortcut.
 * - **DNS**: `hostsFile(namespace)` writes a hosts file for a pod of that namespace (the kubelet's own lines, then
 *   every Service as `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`, as a pod's search path
 *   resolves them). The node agent bind-mounts it over /etc/hosts in the container's own mount namespace, so glibc,
 *   Python and Node resolve Service names without a DNS server. Services created after the pod started are not in
 *   its file (a real pod would see them): the tests create Services first.
 *
 * Reads the API with the admin credentials, polling every 300 ms (Services and EndpointSlices change a few times per
 * test). Needs CAP_NET_ADMIN for `ip addr` on lo, as the node agent's pod IPs do.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type V1EndpointSlice, type V1Service } from "@kubernetes/client-node";

const execFileP = promisify(execFile);

export interface ClusterNetwork {
  /** A hosts file for a pod in `namespace` (its own name and IP first, as the kubelet writes them). */
  hostsFile(namespace: string, pod: { name: string; ip: string }): string;
  /** Connections forwarded so far, per "ns/service:port" (for tests that check traffic took the Service path). */
  forwarded(): Record<string, number>;
  /** Waits until the Service's ClusterIP listeners are up (after it exists and has a ready endpoint, if `ready`). */
  waitFor(namespace: string, name: string, o?: { ready?: boolean; timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

interface Listener {
  key: string;
  server: Server;
  sockets: Set<Socket>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ip(...args: string[]): Promise<void> {
  await execFileP("ip", args).catch((err: { stderr?: string; message: string }) => {
    if (/File exists|Cannot assign/.test(err.stderr ?? "")) return; // already there / already gone
    throw new Error(`ip ${args.join(" ")}: ${err.stderr?.trim() || err.message} (the cluster network needs CAP_NET_ADMIN: run the tests as root)`);
  });
}

export async function startClusterNetwork(kc: KubeConfig): Promise<ClusterNetwork> {
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const dir = mkdtempSync(join(tmpdir(), "kp-cluster-net-"));
  let services: V1Service[] = [];
  let slices: V1EndpointSlice[] = [];
  const listeners = new Map<string, Listener>();
  const addedIps = new Set<string>();
  const counts: Record<string, number> = {};
  const rr = new Map<string, number>();
  let stopped = false;
  // A test process that dies without stop() must not leave ClusterIPs on lo.
  const onExit = () => {
    for (const a of addedIps) {
      try {
        execFileSync("ip", ["addr", "del", `${a}/32`, "dev", "lo"], { stdio: "ignore" });
      } catch {
        /* gone */
      }
    }
  };
  process.on("exit", onExit);

  /** Ready endpoints of a Service for one of its ports (by the port's name, as EndpointSlices publish it). */
  const endpointsOf = (svc: V1Service, portName: string): { address: string; port: number }[] => {
    const out: { address: string; port: number }[] = [];
    for (const s of slices) {
      if (s.metadata?.namespace !== svc.metadata?.namespace || s.metadata?.labels?.["kubernetes.io/service-name"] !== svc.metadata?.name) continue;
      const port = (s.ports ?? []).find((p) => (p.name ?? "") === portName)?.port;
      if (port === undefined) continue;
      for (const e of s.endpoints ?? []) if (e.conditions?.ready !== false) for (const a of e.addresses) out.push({ address: a, port });
    }
    return out;
  };

  const listen = async (svc: V1Service, clusterIp: string, port: number, portName: string): Promise<void> => {
    const key = `${svc.metadata!.namespace}/${svc.metadata!.name}:${port}`;
    if (listeners.has(key)) return;
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      sockets.add(client);
      client.on("close", () => sockets.delete(client));
      const current = services.find((s) => s.metadata?.uid === svc.metadata?.uid) ?? svc;
      const eps = endpointsOf(current, portName);
      if (eps.length === 0) return void client.destroy(); // kube-proxy rejects connections to a Service without endpoints
      const n = rr.get(key) ?? 0;
      rr.set(key, n + 1);
      const ep = eps[n % eps.length]!;
      counts[key] = (counts[key] ?? 0) + 1;
      const upstream = createConnection({ host: ep.address, port: ep.port });
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", end);
      upstream.on("error", end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, clusterIp, () => resolve());
    });
    listeners.set(key, { key, server, sockets });
  };

  const closeListener = async (l: Listener) => {
    listeners.delete(l.key);
    for (const s of l.sockets) s.destroy();
    await new Promise((r) => l.server.close(r));
  };

  const sync = async (): Promise<void> => {
    const [svcList, sliceList] = await Promise.all([core.listServiceForAllNamespaces(), discovery.listEndpointSliceForAllNamespaces()]);
    services = svcList.items;
    slices = sliceList.items;
    const wanted = new Set<string>();
    for (const svc of services) {
      const clusterIp = svc.spec?.clusterIP;
      if (!clusterIp || clusterIp === "None" || svc.metadata?.namespace === "default") continue;
      if (!addedIps.has(clusterIp)) {
        await ip("addr", "add", `${clusterIp}/32`, "dev", "lo");
        addedIps.add(clusterIp);
      }
      for (const p of svc.spec?.ports ?? []) {
        wanted.add(`${svc.metadata!.namespace}/${svc.metadata!.name}:${p.port}`);
        await listen(svc, clusterIp, p.port, p.name ?? "");
      }
    }
    for (const l of [...listeners.values()]) if (!wanted.has(l.key)) await closeListener(l);
  };

  await sync();
  const loop = (async () => {
    while (!stopped) {
      await sleep(300);
      if (!stopped) await sync().catch(() => undefined); // an API blip: try again next round
    }
  })();

  return {
    hostsFile(namespace, pod) {
      const lines = [
        "# Kubernetes-managed hosts file (the node agent's stand-in; Service names are the cluster DNS stand-in).",
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        `${pod.ip}\t${pod.name}`,
      ];
      for (const svc of services) {
        const clusterIp = svc.spec?.clusterIP;
        const ns = svc.metadata?.namespace;
        const name = svc.metadata?.name;
        if (!clusterIp || clusterIp === "None" || !ns || !name) continue;
        const names = [`${name}.${ns}.svc.cluster.local`, `${name}.${ns}.svc`, `${name}.${ns}`];
        if (ns === namespace) names.push(name);
        lines.push(`${clusterIp}\t${names.join(" ")}`);
      }
      const file = join(dir, `hosts-${namespace}-${pod.name}`);
      writeFileSync(file, `${lines.join("\n")}\n`);
      return file;
    },
    forwarded: () => ({ ...counts }),
    async waitFor(namespace, name, o = {}) {
      const deadline = Date.now() + (o.timeoutMs ?? 20_000);
      for (;;) {
        await sync().catch(() => undefined);
        const svc = services.find((s) => s.metadata?.namespace === namespace && s.metadata?.name === name);
        const ready = !o.ready || (svc && (svc.spec?.ports ?? []).some((p) => endpointsOf(svc, p.name ?? "").length > 0));
        if (svc?.spec?.clusterIP && ready) return svc.spec.clusterIP;
        if (Date.now() > deadline) throw new Error(`Service ${namespace}/${name}${o.ready ? " with a ready endpoint" : ""}: not within ${o.timeoutMs ?? 20_000} ms`);
        await sleep(200);
      }
    },
    async stop() {
      stopped = true;
      await loop;
      for (const l of [...listeners.values()]) await closeListener(l);
      for (const a of addedIps) await ip("addr", "del", `${a}/32`, "dev", "lo").catch(() => undefined);
      addedIps.clear();
      process.off("exit", onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
