/**
 * The node's "CNI": every node agent takes a free /24 of 10.244.0.0/16 (10.244.<k>.0/24, the per-node podCIDR a
 * real cluster's IPAM hands out), its own address is 10.244.<k>.1 (InternalIP, where the kubelet server listens)
 * and each pod gets 10.244.<k>.<n> as a /32 on `lo`. Containers share the host network namespace and bind to
 * their pod IP. Global-unicast addresses are needed because the real API server refuses loopback addresses for
 * EndpointSlices, pods/proxy and nodes/proxy (README of ../kube-control-plane).
 *
 * Needs CAP_NET_ADMIN (`ip addr add`); the agent checks once and fails with a clear message when not allowed.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { removeLoAddressSync, trackAddress, untrackAddress } from "./host-resources.ts";

const execFileP = promisify(execFile);

async function ip(args: string[]): Promise<string> {
  const { stdout } = await execFileP("ip", args);
  return stdout;
}

async function loAddresses(): Promise<Set<string>> {
  const out = await ip(["-o", "-4", "addr", "show", "dev", "lo"]);
  return new Set([...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!));
}

/** Adds ip/32 to lo; false when another process holds it already ("File exists"). */
async function addAddress(address: string): Promise<boolean> {
  try {
    await ip(["addr", "add", `${address}/32`, "dev", "lo"]);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? "");
    if (/File exists/i.test(stderr)) return false;
    if (/Operation not permitted|RTNETLINK answers: Permission denied/i.test(stderr) || (err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `the node agent cannot add pod addresses to lo (\`ip addr add ${address}/32 dev lo\`: ${stderr.trim() || (err as Error).message}). ` +
          "It needs the iproute2 `ip` tool and CAP_NET_ADMIN (run the test as root, or in a container with --cap-add NET_ADMIN): " +
          "the real API server refuses 127.0.0.0/8 pod IPs for EndpointSlices and pods/proxy.",
      );
    }
    throw err;
  }
  trackAddress(address);
  return true;
}

export async function removeAddress(address: string): Promise<void> {
  try {
    await ip(["addr", "del", `${address}/32`, "dev", "lo"]);
  } catch {
    removeLoAddressSync(address); // already gone, or retry synchronously
  }
  untrackAddress(address);
}

export interface PodNetwork {
  /** 10.244.<k>.1: the node's InternalIP. */
  nodeIP: string;
  /** 10.244.<k>.0/24 (spec.podCIDR). */
  podCIDR: string;
  allocate(): Promise<string>;
  release(address: string): Promise<void>;
  /** Removes every address this network added (pods and node). */
  close(): Promise<void>;
}

/** Claims a free 10.244.<k>.0/24 by adding its .1 to lo (which fails if another agent holds it). */
export async function openPodNetwork(): Promise<PodNetwork> {
  const taken = await loAddresses();
  const start = 1 + Math.floor(Math.random() * 250);
  let k = -1;
  for (let i = 0; i < 250 && k < 0; i++) {
    const cand = ((start + i - 1) % 250) + 1;
    if ([...taken].some((a) => a.startsWith(`10.244.${cand}.`))) continue;
    if (await addAddress(`10.244.${cand}.1`)) k = cand;
  }
  if (k < 0) throw new Error("the node agent found no free 10.244.<k>.0/24 on lo");
  const nodeIP = `10.244.${k}.1`;
  const inUse = new Set<string>();
  let next = 2;
  return {
    nodeIP,
    podCIDR: `10.244.${k}.0/24`,
    async allocate() {
      for (let i = 0; i < 253; i++) {
        const n = next;
        next = next >= 254 ? 2 : next + 1;
        const address = `10.244.${k}.${n}`;
        if (inUse.has(address)) continue;
        if (await addAddress(address)) {
          inUse.add(address);
          return address;
        }
      }
      throw new Error(`no free pod IP left in 10.244.${k}.0/24`);
    },
    async release(address) {
      if (!inUse.delete(address)) return;
      await removeAddress(address);
    },
    async close() {
      await Promise.all([...inUse].map((a) => removeAddress(a)));
      inUse.clear();
      await removeAddress(nodeIP);
    },
  };
}
