import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Kube } from "./kube-client.ts";
import { endpointsOfSlices, podMetricsUrls, podProxyFetch, podProxyMetricsTargets } from "./vllm-endpoints.ts";

describe("endpointsOfSlices / podMetricsUrls", () => {
  it("ready Pod endpoints once each, with node, address and the named (or only) port; URLs per pod IP", async () => {
        const list = {
      items: [
        {
          ports: [{ name: "http", port: 8000 }],
          endpoints: [
            { addresses: ["10.132.0.118"], nodeName: "n1", conditions: { ready: true }, targetRef: { kind: "Pod", name: "vllm-a" } },
            { addresses: ["10.132.0.119"], nodeName: "n2", conditions: { ready: false }, targetRef: { kind: "Pod", name: "vllm-b" } },
            { addresses: ["10.0.0.9"], targetRef: { kind: "Node", name: "n9" } },
          ],
        },
        { ports: [{ name: "http", port: 8000 }], endpoints: [{ addresses: ["fd00::7"], nodeName: "n3", targetRef: { kind: "Pod", name: "vllm-c" } }] },
      ],
    };
    const eps = endpointsOfSlices(list);
    expect(eps).toEqual([
      { pod: "vllm-a", node: "n1", address: "10.132.0.118", port: 8000 },
      { pod: "vllm-c", node: "n3", address: "fd00::7", port: 8000 },
    ]);
    expect(podMetricsUrls(eps)).toEqual(["http://10.132.0.118:8000/metrics", "http://[fd00::7]:8000/metrics"]);
    expect(endpointsOfSlices({ items: [{ ports: [{ name: "a", port: 1 }, { name: "b", port: 2 }], endpoints: [{ addresses: ["1.2.3.4"], targetRef: { kind: "Pod", name: "p" } }] }] }, "b")[0]!.port).toBe(2);
  });
});

describe("pod-proxy targets and fetch", () => {
  it("each pod's /metrics on the API server; the fetch sends those through the kubeconfig's connection, without Authorization", async () => {
    const asked: Array<{ path: string; headers: Record<string, string> }> = [];
    const kube = {
      server: "https://api.example:6443/",
      request: async (path: string, o: { headers?: Record<string, string> } = {}) => {
        asked.push({ path, headers: o.headers ?? {} });
        return Object.assign(Readable.from([Buffer.from("vllm:num_requests_waiting 2\n")]), { statusCode: 200 });
      },
    } as unknown as Kube;
    const targets = podProxyMetricsTargets(kube, "serving", [{ pod: "vllm-a", port: 8000 }, { pod: "no-port" }]);
    expect(targets).toEqual([{ pod: "vllm-a", url: "https://api.example:6443/api/v1/namespaces/serving/pods/vllm-a:8000/proxy/metrics" }]);
    const res = await podProxyFetch(kube)(targets[0]!.url, { headers: { authorization: "Bearer target-key", accept: "text/plain" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("vllm:num_requests_waiting 2\n");
    expect(asked).toEqual([{ path: "/api/v1/namespaces/serving/pods/vllm-a:8000/proxy/metrics", headers: { accept: "text/plain" } }]);
  });
});
