/**
 * The node agent against the real control plane: one node "gpu-node-1" (nvidia.com/gpu: 1, a NoSchedule taint)
 * running a Deployment behind a Service (probes, EndpointSlice, services/proxy), Jobs (completion, logs with a
 * line longer than 16 KiB, eviction), failing probes, a missing ConfigMap, deletion and log rotation — every
 * step seen through the API server with @kubernetes/client-node, as kneepoint sees a cluster.
 *
 * Needs root (CAP_NET_ADMIN for pod IPs on lo). KNEEPOINT_TEST_PEERS=skip (refused under CI=true) skips it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ApiException, AppsV1Api, BatchV1Api, CoreV1Api, CoordinationV1Api, DiscoveryV1Api, KubeConfig, Log, type V1Container, type V1EnvVar, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../kube-control-plane/until.ts";
import { startControlPlane, type ControlPlane } from "../kube-control-plane/control-plane.ts";
import { peersSkipped } from "../real-peers/peers.ts";
import { DEFAULT_EVICTION_MESSAGE, type NodeAgent, startNodeAgent } from "./node-agent.ts";

const skipped = peersSkipped();
if (skipped) console.warn("KNEEPOINT_TEST_PEERS=skip: not running the node agent test");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const NS = "default";
const TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
const TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
const IMAGE = "registry.invalid/kneepoint/node:20";

/** A pod that runs one `node -e` script once on the GPU node (restartPolicy Never), with optional env. */
const runOncePod = (name: string, script: string, env: V1EnvVar[] = []): V1Pod => ({
  metadata: { name },
  spec: { restartPolicy: "Never", tolerations: [TOLERATION], containers: [{ name: "main", image: IMAGE, command: ["node", "-e", script], ...(env.length ? { env } : {}) }] },
});

/** A tiny HTTP server on $(POD_IP):8080: /healthz 200, /ready 200 after READY_AFTER_MS (never if "never"), else JSON. */
const SERVER = `
const http = require("http");
const ip = process.env.POD_IP;
let ready = false;
if (process.env.READY_AFTER_MS !== "never") setTimeout(() => (ready = true), Number(process.env.READY_AFTER_MS || 0));
http.createServer((q, s) => {
  if (q.url === "/healthz") return s.end("ok");
  if (q.url === "/ready") { s.statusCode = ready ? 200 : 503; return s.end(); }
  s.setHeader("Content-Type", "application/json");
  s.end(JSON.stringify({ pod: process.env.HOSTNAME, ip, path: q.url }));
}).listen(8080, ip, () => console.log("listening on " + ip + ":8080"));
process.on("SIGTERM", () => { console.log("SIGTERM"); process.exit(0); });
`;

function serverContainer(readyAfter: string, probes: Partial<V1Container> = {}): V1Container {
  return {
    name: "server",
    image: IMAGE,
    command: ["node", "-e", SERVER],
    ports: [{ name: "http", containerPort: 8080 }],
    env: [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "READY_AFTER_MS", value: readyAfter },
    ],
    ...probes,
  };
}

describe.skipIf(skipped)("node agent on a real control plane", () => {
  let cp: ControlPlane | undefined;
  let agent: NodeAgent | undefined;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let batch: BatchV1Api;
  const started = Date.now();

  beforeAll(async () => {
    cp = await startControlPlane();
    agent = await startNodeAgent({
      controlPlane: cp,
      node: { name: "gpu-node-1", labels: { "nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" }, capacity: { "nvidia.com/gpu": "1" }, taints: [TAINT] },
      path: process.env.PATH ?? "/usr/bin:/bin",
      crashLoopBackoffMs: 300,
      probeTimeScale: 0.1,
      heartbeatMs: 2000,
      syncRetryMs: 300,
      // (b)'s 40 KB log stays below it; (g) writes ~120 KB.
      logRotation: { maxBytes: 48 * 1024, maxFiles: 3, checkIntervalMs: 100 },
    });
    kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    batch = kc.makeApiClient(BatchV1Api);
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await cp?.stop();
    console.log(`node agent test: ${((Date.now() - started) / 1000).toFixed(1)} s from start to stop`);
  }, 30_000);

  const podsOf = async (selector: string) => (await core.listNamespacedPod({ namespace: NS, labelSelector: selector })).items;
  const eventsOf = async (pod: V1Pod) =>
    (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.uid=${pod.metadata!.uid}` })).items;
  const loAddresses = () => execFileSync("ip", ["-o", "-4", "addr", "show", "dev", "lo"], { encoding: "utf8" });

  /** GET through the API server with the admin certificate (services/proxy). */
  const adminGet = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(cp!.server + path);
      https
        .get(url, { ca: readFileSync(cp!.pki.ca.cert), cert: readFileSync(cp!.pki.admin.cert), key: readFileSync(cp!.pki.admin.key), agent: false }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on("error", reject);
    });

  it("registers a Ready node with the GPU, taint, InternalIP only, kubelet port and a Lease", async () => {
    const node = await until("node Ready", async () => {
      const n = await core.readNode({ name: "gpu-node-1" });
      return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? n : undefined;
    });
    expect(node.status?.capacity?.["nvidia.com/gpu"]).toBe("1");
    expect(node.status?.allocatable?.["nvidia.com/gpu"]).toBe("1");
    expect(node.status?.addresses).toEqual([{ type: "InternalIP", address: agent!.address }]);
    expect(agent!.address).toMatch(/^10\.244\.\d+\.1$/);
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(agent!.port);
    expect(node.status?.nodeInfo?.kubeletVersion).toBe("v1.36.3");
    expect(node.metadata?.labels).toMatchObject({ "kubernetes.io/hostname": "gpu-node-1", "kubernetes.io/os": "linux", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" });
    // The TaintNodesByCondition admission plugin registers every new node with node.kubernetes.io/not-ready:NoSchedule;
    // the node lifecycle controller removes it once it has seen Ready — until then nothing without a toleration lands.
    const taints = await until("not-ready taint removed", async () => {
      const t = (await core.readNode({ name: "gpu-node-1" })).spec?.taints;
      return t?.length === 1 ? t : undefined;
    });
    expect(taints).toEqual([TAINT]);
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: "gpu-node-1", namespace: "kube-node-lease" });
    expect(lease.spec?.holderIdentity).toBe("gpu-node-1");
    expect(lease.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Node", name: "gpu-node-1", uid: node.metadata?.uid });
  });

  it("(a) runs a GPU Deployment with probes; its EndpointSlice lists the pod IP and services/proxy reaches it", async () => {
    await core.createNamespacedService({
      namespace: NS,
      body: { metadata: { name: "server" }, spec: { selector: { app: "server" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } },
    });
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: "server" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "server" } },
          template: {
            metadata: { labels: { app: "server" } },
            spec: {
              tolerations: [TOLERATION],
              terminationGracePeriodSeconds: 5,
              containers: [
                {
                  ...serverContainer("300", {
                    startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 1, failureThreshold: 30 },
                    readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 1 },
                  }),
                  resources: { limits: { "nvidia.com/gpu": "1" } },
                },
              ],
            },
          },
        },
      },
    });
    const dep = await until("Deployment available", async () => {
      const d = await apps.readNamespacedDeployment({ name: "server", namespace: NS });
      return d.status?.availableReplicas === 1 ? d : undefined;
    });
    expect(dep.status?.readyReplicas).toBe(1);
    const [pod] = await podsOf("app=server");
    expect(pod?.spec?.nodeName).toBe("gpu-node-1");
    expect(pod?.status?.phase).toBe("Running");
    expect(pod?.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(pod?.status?.podIP).toBe(agent!.podIP(NS, pod!.metadata!.name!));
    expect(pod?.status?.hostIP).toBe(agent!.address);
    const cs = pod!.status!.containerStatuses![0]!;
    expect(cs).toMatchObject({ name: "server", ready: true, started: true, restartCount: 0, image: IMAGE });
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs.state?.running?.startedAt).toBeTruthy();
    expect(pod!.status!.conditions!.map((c) => `${c.type}=${c.status}`).sort()).toEqual(
      ["ContainersReady=True", "Initialized=True", "PodReadyToStartContainers=True", "PodScheduled=True", "Ready=True"].sort(),
    );
    expect(loAddresses()).toContain(`inet ${pod!.status!.podIP}/32`);

    const slice = await until("EndpointSlice with the ready pod", async () => {
      const s = (await kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: NS, labelSelector: "kubernetes.io/service-name=server" })).items[0];
      return s?.endpoints?.some((e) => e.conditions?.ready) ? s : undefined;
    });
    expect(slice.endpoints.map((e) => e.addresses[0])).toEqual([pod!.status!.podIP]);
    expect(slice.endpoints[0]?.nodeName).toBe("gpu-node-1");
    expect(slice.ports?.[0]?.port).toBe(8080);

    const r = await adminGet(`/api/v1/namespaces/${NS}/services/server:http/proxy/hello`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ pod: pod!.metadata!.name, ip: pod!.status!.podIP, path: "/hello" });
    const viaPod = await adminGet(`/api/v1/namespaces/${NS}/pods/${pod!.metadata!.name}:8080/proxy/again`);
    expect(JSON.parse(viaPod.body).path).toBe("/again");

    const events = await eventsOf(pod!);
    const reasons = events.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Scheduled", "Pulled", "Created", "Started"]));
    const pulled = events.find((e) => e.reason === "Pulled")!;
    expect(pulled.message).toBe(`Container image "${IMAGE}" already present on machine and can be accessed by the pod`);
    expect(pulled.source).toEqual({ component: "kubelet", host: "gpu-node-1" });
    expect(pulled.involvedObject.fieldPath).toBe("spec.containers{server}");
    expect(events.find((e) => e.reason === "Created")?.message).toBe("Created container: server");
    const log = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: NS });
    expect(log).toBe(`listening on ${pod!.status!.podIP}:8080\n`);
  });

  it("(b) completes a Job; pods/log returns every line intact, a 40 000-byte line too (with and without timestamps)", async () => {
    const long = `${"x".repeat(40_000)}END`;
    await batch.createNamespacedJob({
      namespace: NS,
      body: {
        metadata: { name: "printer" },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              tolerations: [TOLERATION],
              containers: [{ name: "main", image: IMAGE, command: ["node", "-e", `console.error("to stderr"); setTimeout(() => { console.log("first"); console.log("x".repeat(40000) + "END"); console.log("last"); }, 100)`] }],
            },
          },
        },
      },
    });
    await until("Job Complete", async () => {
      const j = await batch.readNamespacedJob({ name: "printer", namespace: NS });
      return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True");
    });
    const [pod] = await podsOf("batch.kubernetes.io/job-name=printer");
    expect(pod?.status?.phase).toBe("Succeeded");
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const log = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: NS });
    // stdout and stderr are separate pipes (their order only holds when written apart in time, as here).
    expect(log.split("\n")).toEqual(["to stderr", "first", long, "last", ""]);
    const stamped = (await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: NS, timestamps: true })).split("\n").filter(Boolean);
    expect(stamped).toHaveLength(4);
    expect(stamped[2]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z x{40000}END$/);
    // The file holds the long line as 16 KiB P records plus an F record.
    const dir = join(agent!.dir, "logs", "pods", `${NS}_${pod!.metadata!.name}_${pod!.metadata!.uid}`, "main");
    const records = readFileSync(join(dir, "0.log"), "utf8").split("\n").filter(Boolean);
    expect(records.map((r) => r.split(" ").slice(1, 3).join(" "))).toEqual(["stderr F", "stdout F", "stdout P", "stdout P", "stdout F", "stdout F"]);
    const tail = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: NS, tailLines: 1 });
    expect(tail).toBe("last\n");
  });

  it("(c) failing startup and readiness probes: Unhealthy events, a startup-probe kill and restarts, a never-ready pod", async () => {
    const pod = (name: string, c: V1Container): V1Pod => ({ metadata: { name }, spec: { tolerations: [TOLERATION], terminationGracePeriodSeconds: 1, containers: [c] } });
    await core.createNamespacedPod({
      namespace: NS,
      body: pod("never-starts", { name: "main", image: IMAGE, command: ["node", "-e", "setInterval(() => {}, 1000)"], startupProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1, failureThreshold: 2 } }),
    });
    await core.createNamespacedPod({ namespace: NS, body: pod("never-ready", serverContainer("never", { readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 1 } })) });

    const restarted = await until("never-starts restarted twice", async () => {
      const p = await core.readNamespacedPod({ name: "never-starts", namespace: NS });
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
    });
    const cs = restarted.status!.containerStatuses![0]!;
    expect(cs.started).toBe(false);
    expect(cs.lastState?.terminated?.exitCode).toBe(143); // SIGTERM, as containerd reports a signalled exit
    const ev = await eventsOf(restarted);
    const ip = restarted.status!.podIP!;
    const unhealthy = ev.find((e) => e.reason === "Unhealthy");
    expect(unhealthy?.message).toBe(`Startup probe failed: Get "http://${ip}:8080/healthz": dial tcp ${ip}:8080: connect: connection refused`);
    expect(unhealthy?.type).toBe("Warning");
    expect(unhealthy?.count).toBeGreaterThanOrEqual(2);
    expect(ev.find((e) => e.reason === "Killing")?.message).toBe("Container main failed startup probe, will be restarted");
    const backoff = await until("CrashLoopBackOff", async () => {
      const p = await core.readNamespacedPod({ name: "never-starts", namespace: NS });
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff" ? p.status.containerStatuses[0]!.state!.waiting! : undefined;
    });
    expect(backoff.message).toMatch(new RegExp(`^back-off \\d+ms restarting failed container=main pod=never-starts_default\\(${restarted.metadata!.uid}\\)$`));

    const unready = await until("never-ready Unhealthy with a 503", async () => {
      const p = await core.readNamespacedPod({ name: "never-ready", namespace: NS });
      // (a first attempt may come before the server listens: "connect: connection refused")
      const e = (await eventsOf(p)).find((x) => x.reason === "Unhealthy" && x.message?.includes("statuscode"));
      return e ? { p, e } : undefined;
    });
    expect(unready.e.message).toBe("Readiness probe failed: HTTP probe failed with statuscode: 503");
    expect(unready.p.status?.phase).toBe("Running");
    expect(unready.p.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true, restartCount: 0 });
    expect(unready.p.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [server]" });
    await core.deleteNamespacedPod({ name: "never-starts", namespace: NS });
    await core.deleteNamespacedPod({ name: "never-ready", namespace: NS });
  });

  it("(d) deleting the Deployment removes its pod object, its process and its IP", async () => {
    const [pod] = await podsOf("app=server");
    const ip = pod!.status!.podIP!;
    const pidsBefore = agent!.runningPids();
    expect(pidsBefore.length).toBeGreaterThan(0);
    await apps.deleteNamespacedDeployment({ name: "server", namespace: NS, propagationPolicy: "Foreground" });
    await until("the pod object gone", async () => (await podsOf("app=server")).length === 0);
    const ev = await eventsOf(pod!);
    expect(ev.find((e) => e.reason === "Killing")?.message).toBe("Stopping container server");
    await until("its IP gone from lo", async () => !loAddresses().includes(`inet ${ip}/32`));
    const gone = (pid: number) => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    expect(pidsBefore.filter((p) => !agent!.runningPids().includes(p)).every(gone)).toBe(true);
    await until("Deployment gone", async () => {
      try {
        await apps.readNamespacedDeployment({ name: "server", namespace: NS });
        return false;
      } catch (err) {
        return err instanceof ApiException && err.code === 404;
      }
    });
  });

  it("(e) a missing ConfigMap holds the container in CreateContainerConfigError until it is created", async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: runOncePod("needs-config", "console.log(process.env.GREETING + ' from ' + process.env.MY_NODE)", [
        { name: "GREETING", valueFrom: { configMapKeyRef: { name: "app-config", key: "greeting" } } },
        { name: "MY_NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      ]),
    });
    const waiting = await until("CreateContainerConfigError", async () => {
      const p = await core.readNamespacedPod({ name: "needs-config", namespace: NS });
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError" ? p : undefined;
    });
    expect(waiting.status?.phase).toBe("Pending");
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('configmap "app-config" not found');
    const failed = await until("Failed event", async () => (await eventsOf(waiting)).find((e) => e.reason === "Failed"));
    expect(failed.message).toBe('Error: configmap "app-config" not found');
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "app-config" }, data: { greeting: "hello" } } });
    await until("Succeeded", async () => (await core.readNamespacedPod({ name: "needs-config", namespace: NS })).status?.phase === "Succeeded");
    expect(await core.readNamespacedPodLog({ name: "needs-config", namespace: NS })).toBe("hello from gpu-node-1\n");
  });

  it("(f) evict() fails the Job's pod as Evicted with DisruptionTarget, and the Job controller replaces it", async () => {
    await batch.createNamespacedJob({
      namespace: NS,
      body: {
        metadata: { name: "evictee" },
        spec: {
          backoffLimit: 1,
          template: { spec: { restartPolicy: "Never", tolerations: [TOLERATION], containers: [{ name: "main", image: IMAGE, command: ["node", "-e", "setInterval(() => {}, 1000)"] }] } },
        },
      },
    });
    const first = await until("evictee running", async () => (await podsOf("batch.kubernetes.io/job-name=evictee")).find((p) => p.status?.phase === "Running"));
    await agent!.evict(NS, first.metadata!.name!);
    const evicted = await until("pod Failed/Evicted", async () => {
      const p = await core.readNamespacedPod({ name: first.metadata!.name!, namespace: NS });
      return p.status?.phase === "Failed" ? p : undefined;
    });
    expect(evicted.status?.reason).toBe("Evicted");
    expect(evicted.status?.message).toBe(DEFAULT_EVICTION_MESSAGE);
    expect(evicted.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "TerminationByKubelet", message: DEFAULT_EVICTION_MESSAGE });
    // Hard eviction: SIGTERM, SIGKILL after 1 s (immediateEvictionGracePeriodSeconds); node exits on SIGTERM.
    expect(evicted.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 143, reason: "Error" });
    expect((await eventsOf(evicted)).find((e) => e.reason === "Evicted")?.message).toBe(DEFAULT_EVICTION_MESSAGE);
    // The Job controller counts the failure at once; its replacement pod only comes after the controller's
    // pod-failure back-off (10 s for the first failure), which this test does not wait for.
    const job = await until("Job counts the failure", async () => {
      const j = await batch.readNamespacedJob({ name: "evictee", namespace: NS });
      return j.status?.failed === 1 ? j : undefined;
    });
    expect(job.status?.conditions?.some((c) => c.type === "Failed")).toBeFalsy(); // backoffLimit 1 not exceeded
    await batch.deleteNamespacedJob({ name: "evictee", namespace: NS, propagationPolicy: "Background" });
  });

  it("(g) log rotation: a plain read returns only the current file, a follow started before rotation gets every line", async () => {
    const n = 60;
    await core.createNamespacedPod({
      namespace: NS,
      body: runOncePod("chatty", `let i = 0; const t = setInterval(() => { console.log("line-" + String(i).padStart(2, "0") + " " + "y".repeat(2000)); if (++i === ${n}) clearInterval(t); }, 50);`),
    });
    await until("chatty running", async () => (await core.readNamespacedPod({ name: "chatty", namespace: NS })).status?.containerStatuses?.[0]?.state?.running);
    const followed = new PassThrough();
    let text = "";
    followed.on("data", (c: Buffer) => (text += c.toString()));
    const ended = new Promise((r) => followed.on("end", r));
    await new Log(kc).log(NS, "chatty", "main", followed, { follow: true });
    await until("chatty Succeeded", async () => (await core.readNamespacedPod({ name: "chatty", namespace: NS })).status?.phase === "Succeeded", 20_000);
    await Promise.race([ended, sleep(5000)]);
    const expected = Array.from({ length: n }, (_, i) => `line-${String(i).padStart(2, "0")} ${"y".repeat(2000)}`);
    expect(text.split("\n").filter(Boolean)).toEqual(expected);

    const pod = await core.readNamespacedPod({ name: "chatty", namespace: NS });
    const dir = join(agent!.dir, "logs", "pods", `${NS}_chatty_${pod.metadata!.uid}`, "main");
    const files = readdirSync(dir);
    expect(files.some((f) => /^0\.log\.\d{8}-\d{6}(\.gz)?$/.test(f))).toBe(true);
    expect(files.length).toBeLessThanOrEqual(3);
    const plain = (await core.readNamespacedPodLog({ name: "chatty", namespace: NS })).split("\n").filter(Boolean);
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.length).toBeLessThan(n);
    expect(plain).toEqual(expected.slice(n - plain.length));
    expect(existsSync(join(dir, "0.log"))).toBe(true);
  });
});
