import { describe, expect, it } from "vitest";
import { classifyRefusal, describeRefusal, fieldPaths, foreignFields, objectPath, parseWarningHeaders } from "./admission.ts";

describe("the API server's Warning headers", () => {
  it("reads each `299 - \"text\"`, several in one joined header, escapes undone", () => {
    expect(parseWarningHeaders(['299 - "would violate PodSecurity \\"restricted:latest\\": runAsNonRoot != true", 299 - "spec.x: deprecated"'])).toEqual([
      'would violate PodSecurity "restricted:latest": runAsNonRoot != true',
      "spec.x: deprecated",
    ]);
    expect(parseWarningHeaders(["something odd"])).toEqual(["something odd"]);
    expect(parseWarningHeaders([])).toEqual([]);
  });
});

describe("a refused pod", () => {
  it("names the admission step from the API server's message", () => {
    const pss = 'Error creating: pods "vllm-7d9f8b-x" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "vllm" must set securityContext.runAsNonRoot=true)';
    expect(classifyRefusal(pss).by).toBe("Pod Security admission");
    const quota = 'Error creating: pods "vllm-7d9f8b-x" is forbidden: exceeded quota: gpus, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=0, limited: requests.nvidia.com/gpu=0';
    expect(classifyRefusal(quota).by).toBe("a ResourceQuota");
    expect(classifyRefusal('pods "x" is forbidden: failed quota: q: must specify limits.cpu for: vllm').by).toBe("a ResourceQuota");
    expect(classifyRefusal('pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2').by).toBe("a LimitRange");
    expect(classifyRefusal('admission webhook "validate.kyverno.svc" denied the request: no root').by).toBe("an admission webhook or policy");
    expect(classifyRefusal("something else").by).toBe("admission");
  });

  it("says what to change, with the namespace", () => {
    const err = describeRefusal(classifyRefusal("exceeded quota: gpus, requested: requests.nvidia.com/gpu=1"), "the Deployment vllm", "serving");
    expect(err.message).toBe("the Deployment vllm's pod was refused by a ResourceQuota: exceeded quota: gpus, requested: requests.nvidia.com/gpu=1");
    expect(err.hint).toMatch(/kubectl -n serving describe resourcequota/);
  });
});

describe("objectPath", () => {
  it("core and grouped APIs", () => {
    expect(objectPath({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } }, "ns", "services")).toBe("/api/v1/namespaces/ns/services");
    expect(objectPath({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } }, "ns", "deployments")).toBe("/apis/apps/v1/namespaces/ns/deployments");
  });
});

describe("fields another manager set (kubectl edit / set env / a client-side apply)", () => {
  const kneepoint = { manager: "kneepoint", operation: "Apply", fieldsV1: { "f:spec": { "f:replicas": {}, "f:template": { "f:spec": { "f:containers": { 'k:{"name":"vllm"}': { ".": {}, "f:image": {}, "f:name": {} } } } } } } };
  const kubectlSetEnv = {
    manager: "kubectl-set",
    operation: "Update",
    fieldsV1: { "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"vllm"}': { "f:env": { 'k:{"name":"VLLM_ATTENTION_BACKEND"}': { ".": {}, "f:name": {}, "f:value": {} } } } } } } } },
  };
  const controller = { manager: "kube-controller-manager", operation: "Update", fieldsV1: { "f:metadata": { "f:annotations": { "f:deployment.kubernetes.io/revision": {} } } } };
  const status = { manager: "kube-controller-manager", operation: "Update", subresource: "status", fieldsV1: { "f:status": { "f:replicas": {} } } };

  it("flattens fieldsV1 into readable paths, list items by their keys", () => {
    expect(fieldPaths(kubectlSetEnv.fieldsV1)).toEqual([
      "spec.template.spec.containers[name=vllm].env[name=VLLM_ATTENTION_BACKEND].name",
      "spec.template.spec.containers[name=vllm].env[name=VLLM_ATTENTION_BACKEND].value",
    ]);
    expect(fieldPaths(kneepoint.fieldsV1)).toEqual(["spec.replicas", "spec.template.spec.containers[name=vllm].image", "spec.template.spec.containers[name=vllm].name"]);
  });

  it("names what others set and kneepoint does not; controllers' writes and status are left out", () => {
    expect([...foreignFields([kneepoint, kubectlSetEnv, controller, status]).entries()]).toEqual([["kubectl-set", ["spec.template.spec.containers[name=vllm].env[name=VLLM_ATTENTION_BACKEND]"]]]);
    expect(foreignFields([kneepoint, controller, status]).size).toBe(0);
    // A field both set (an earlier client-side apply of the same image) is kneepoint's now: not reported.
    const earlierApply = { manager: "kubectl-client-side-apply", operation: "Update", fieldsV1: { "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"vllm"}': { "f:image": {} } } } } } } };
    expect(foreignFields([kneepoint, earlierApply]).size).toBe(0);
  });
});
