/** Watches through client-node's Watch: event types, resuming from a resourceVersion, selectors, expiry. */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeApiDouble, type KubeApiDouble } from "./kube-api-double.ts";
import { waitUntil } from "./wait-until.ts";

let double: KubeApiDouble;
let core: k8s.CoreV1Api;
let watch: k8s.Watch;
const ns = "w";
const path = `/api/v1/namespaces/${ns}/configmaps`;

beforeAll(async () => {
  double = await startKubeApiDouble({ namespaces: [ns], nodes: [], watchHistory: 5 });
  const kc = double.kubeConfig({ namespace: ns });
  core = kc.makeApiClient(k8s.CoreV1Api);
  watch = new k8s.Watch(kc);
});

afterAll(async () => {
  await double.close();
});

interface Seen {
  type: string;
  name: string;
  data?: Record<string, string>;
  object: Record<string, unknown>;
}

async function startWatch(query: Record<string, string>, onDone?: (err: unknown) => void) {
  const seen: Seen[] = [];
  const controller = await watch.watch(path, query, (type, object: k8s.V1ConfigMap & Record<string, unknown>) => {
    seen.push({ type, name: object.metadata?.name ?? "", data: object.data, object });
  }, onDone ?? (() => undefined));
  return { seen, stop: () => controller.abort() };
}

describe("watch", () => {
  it("starts with ADDED for what exists, then streams ADDED, MODIFIED and DELETED", async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "before" } } });
    const w = await startWatch({});
    await waitUntil(() => w.seen.length === 1, "the synthetic ADDED");
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "x" }, data: { a: "1" } } });
    await core.patchNamespacedConfigMap({ namespace: ns, name: "x", body: [{ op: "add", path: "/data/b", value: "2" }] });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "x" });
    await waitUntil(() => w.seen.length === 4, "four events");
    w.stop();
    expect(w.seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED before", "ADDED x", "MODIFIED x", "DELETED x"]);
    expect(w.seen[2]!.data).toEqual({ a: "1", b: "2" });
    expect(w.seen[1]!.object).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });
    const rvs = w.seen.slice(1).map((e) => Number((e.object.metadata as { resourceVersion: string }).resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
  });

  it("resumes after a list's resourceVersion with only the later changes", async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "later" } } });
    const w = await startWatch({ resourceVersion: list.metadata!.resourceVersion! });
    await waitUntil(() => w.seen.length >= 1, "the replayed change");
    await new Promise((r) => setTimeout(r, 50));
    w.stop();
    expect(w.seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED later"]);
  });

  it("turns a label change across the selector into ADDED and DELETED", async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "sel", labels: { role: "other" } } } });
    const w = await startWatch({ labelSelector: "role=target" });
    await new Promise((r) => setTimeout(r, 30));
    expect(w.seen).toEqual([]);
    const label = (role: string) => core.patchNamespacedConfigMap(
      { namespace: ns, name: "sel", body: { metadata: { labels: { role } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await label("target");
    await label("other");
    await waitUntil(() => w.seen.length === 2, "two events");
    w.stop();
    expect(w.seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED sel", "DELETED sel"]);
  });

  it("answers a resourceVersion older than the kept history with an ERROR event: Expired, 410", async () => {
    const old = (await core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
    for (let i = 0; i < 7; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `churn-${i}` } } });
    let ended = false;
    const w = await startWatch({ resourceVersion: old }, () => {
      ended = true;
    });
    await waitUntil(() => ended, "the stream to end");
    expect(w.seen).toHaveLength(1);
    expect(w.seen[0]!.type).toBe("ERROR");
    expect(w.seen[0]!.object).toMatchObject({ kind: "Status", status: "Failure", reason: "Expired", code: 410 });
    expect(String(w.seen[0]!.object.message)).toMatch(new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
  });

  it("ends the stream after timeoutSeconds", async () => {
    let doneWith: unknown = "not yet";
    const started = Date.now();
    await startWatch({ timeoutSeconds: "1" }, (err) => {
      doneWith = err;
    });
    await waitUntil(() => doneWith !== "not yet", "the watch to end", 5000);
    expect(doneWith).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
