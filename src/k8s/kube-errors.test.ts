import { describe, expect, it } from "vitest";
import { describeKubeError } from "./kube-errors.ts";

const where = { server: "https://1.2.3.4", namespace: "serving" };

describe("describeKubeError", () => {
  it("quotes the API server's Status and gives the next step per code", () => {
    const err = describeKubeError({ code: 403, body: JSON.stringify({ kind: "Status", message: 'jobs.batch is forbidden: User "a" cannot create resource "jobs"', reason: "Forbidden", code: 403 }) }, "create Job vllm-bench", where);
    expect(err.message).toBe('cannot create Job vllm-bench (HTTP 403 Forbidden): jobs.batch is forbidden: User "a" cannot create resource "jobs"');
    expect(err.hint).toMatch(/apply benchmarks\/rbac\.yaml/);
    expect(describeKubeError({ code: 404, body: { message: 'namespaces "serving" not found' } }, "x", where).hint).toMatch(/kubectl create namespace serving/);
  });
  it("tells an unreachable cluster from a credential plugin that failed", () => {
    const refused = describeKubeError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "read Job", where);
    expect(refused.message).toMatch(/the Kubernetes API at https:\/\/1\.2\.3\.4 is unreachable \(ECONNREFUSED\)/);
    const missing = describeKubeError(Object.assign(new Error("spawn gke-gcloud-auth-plugin ENOENT"), { code: "ENOENT" }), "read Job", where);
    expect(missing.message).toMatch(/authentication failed before reaching the API server \(ENOENT\)/);
    expect(missing.hint).toMatch(/gke-gcloud-auth-plugin/);
    const expired = describeKubeError(new Error("Error loading SSO Token: Token for my-sso does not exist"), "read Job", where);
    expect(expired.message).toMatch(/authentication failed .*SSO Token/);
  });
});
