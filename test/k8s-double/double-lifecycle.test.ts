/** The double as a test fixture: its kubeconfig file, seeded objects, namespace deletion, and close(). */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { startKubeApiDouble } from "./kube-api-double.ts";
import { waitUntil } from "./wait-until.ts";

/** Processes of a process group that are alive (zombies, reaped later by init, do not count). */
function livingInGroup(pgid: number): number[] {
  const alive: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") alive.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return alive;
}

const dir = mkdtempSync(join(tmpdir(), "k8s-double-life-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the double as a fixture", () => {
  it("writes a 0600 kubeconfig with a bearer token and namespace that client-node loads from disk", async () => {
    const double = await startKubeApiDouble({ namespaces: ["team"], objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seeded", namespace: "team" }, data: { a: "1" } }] });
    try {
      const file = join(dir, "kubeconfig");
      await double.writeKubeconfig(file, { namespace: "team" });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(file);
      expect(kc.getCurrentCluster()?.server).toBe(double.url);
      expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("team");
      expect(kc.getCurrentUser()?.token).toBe(double.token);
      const seeded = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ namespace: "team", name: "seeded" });
      expect(seeded.data).toEqual({ a: "1" });
      expect(double.requests.at(-1)).toMatchObject({ method: "GET", path: "/api/v1/namespaces/team/configmaps/seeded", status: 200, user: "kneepoint-runner" });
    } finally {
      await double.close();
    }
  });

  it("deletes a namespace's contents with it (Terminating first)", async () => {
    const double = await startKubeApiDouble({ namespaces: ["gone"], kubelet: { path: "/usr/bin:/bin" } });
    try {
      const core = double.kubeConfig({ namespace: "gone" }).makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: "gone", body: { metadata: { name: "c" } } });
      await core.createNamespacedPod({ namespace: "gone", body: { metadata: { name: "p" }, spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "60"] }] } } });
      await waitUntil(() => double.runningPids().length === 1, "the pod's process");
      // Raw: client-node reads a namespace DELETE's answer as a V1Status.
      const res = await fetch(`${double.url}/api/v1/namespaces/gone`, { method: "DELETE", headers: { authorization: `Bearer ${double.token}` } });
      expect(((await res.json()) as { status: { phase: string } }).status.phase).toBe("Terminating");
      await waitUntil(() => !double.get("Namespace", undefined, "gone"), "the namespace to go");
      expect(double.list("ConfigMap", "gone")).toEqual([]);
      expect(double.list("Pod", "gone")).toEqual([]);
      expect(double.runningPids()).toEqual([]);
      expect(double.controllerErrors).toEqual([]);
    } finally {
      await double.close();
    }
  });

  it("kills every process it started on close()", async () => {
    const double = await startKubeApiDouble({ kubelet: { path: "/usr/bin:/bin" } });
    const core = double.kubeConfig().makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "sleeper" }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["/bin/sh", "-c", "sleep 60 & sleep 60"] }] } } });
    const [pid] = await waitUntil(() => (double.runningPids().length > 0 ? double.runningPids() : undefined), "the process");
    // sh and both sleeps (dash does not exec the last command of -c)
    await waitUntil(() => livingInGroup(pid!).length === 3, "sh to start both sleeps");
    await double.close();
    expect(() => process.kill(pid!, 0)).toThrow();
    await waitUntil(() => livingInGroup(pid!).length === 0, "the whole process group to be gone", 2000);
  });

  it("refuses unknown options, as the project's schemas do", async () => {
    await expect(startKubeApiDouble({ nodez: [] } as never)).rejects.toThrow(/nodez/);
  });
});
