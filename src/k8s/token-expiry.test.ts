import { describe, expect, it } from "vitest";
import { jwtExpiry } from "./kube-client.ts";
import { describeKubeError } from "./kube-errors.ts";
import { tokenOutlivedBy } from "../cli/run-cluster-job.ts";

const jwt = (claims: object) => `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("a ServiceAccount token's expiry", () => {
  it("reads the exp claim of a JWT, nothing from other tokens", () => {
    expect(jwtExpiry(jwt({ exp: 1_800_000_000, sub: "system:serviceaccount:serving:kneepoint-runner" }))?.toISOString()).toBe("2027-01-15T08:00:00.000Z");
    expect(jwtExpiry("abcdef.0123456789abcdef")).toBeNull(); // a bootstrap-style token
    expect(jwtExpiry(jwt({ sub: "x" }))).toBeNull();
    expect(jwtExpiry(undefined)).toBeNull();
    expect(jwtExpiry("a.%%%.c")).toBeNull();
  });

  it("warns when START_TIMEOUT + RUN_TIMEOUT outlasts the token, with a duration that covers the run", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    const runMs = (20 + 120) * 60_000;
    expect(tokenOutlivedBy(new Date(now + 60 * 60_000), runMs, "serving", now)).toBe(
      "your kubeconfig's token expires in 60 min, before this run could end (START_TIMEOUT + RUN_TIMEOUT = 140 min); if it runs that long the runner loses the API mid-run (the Job goes on). For a whole run: kubectl -n serving create token kneepoint-runner --duration=4h",
    );
    expect(tokenOutlivedBy(new Date(now + 141 * 60_000), runMs, "serving", now)).toBeNull();
    expect(tokenOutlivedBy(null, runMs, "serving", now)).toBeNull();
  });

  it("names an expired token as the cause of a 401", () => {
    const expiredAt = new Date(Date.now() - 5 * 60_000);
    const err = describeKubeError({ code: 401, body: '{"kind":"Status","reason":"Unauthorized","message":"Unauthorized"}' }, "read Job vllm-bench", { server: "https://k", namespace: "serving", tokenExpiresAt: expiredAt });
    expect(err.message).toMatch(/^cannot read Job vllm-bench \(HTTP 401 Unauthorized\): your kubeconfig's token expired at .* UTC \(5 min ago\)$/);
    expect(err.hint).toMatch(/kubectl -n serving create token kneepoint-runner --duration=4h/);
    // A 401 with a token still valid is the generic "credentials refused".
    const other = describeKubeError({ code: 401, body: "" }, "read Job x", { server: "https://k", namespace: "serving", tokenExpiresAt: new Date(Date.now() + 60_000) });
    expect(other.hint).toMatch(/credentials were refused/);
  });
});
