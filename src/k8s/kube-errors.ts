/**
 * Kubernetes API failures as kneepoint errors: what was attempted, the API server's own message (its Status
 * object), and the next step for the code at hand. The original error stays as `cause` (with its HTTP code).
 */
import { EnvironmentError } from "../errors.ts";

interface Status {
  message?: string;
  reason?: string;
  code?: number;
}

function statusOf(body: unknown): Status | null {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 300) } : null;
    }
  }
  return value !== null && typeof value === "object" ? (value as Status) : null;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

function networkCode(err: unknown): string | null {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === "string" && (NETWORK_CODES.has(e.code) || e.code.startsWith("E"))) return e.code;
  }
  return null;
}

export function describeKubeError(err: unknown, what: string, where: { server: string; namespace: string; tokenExpiresAt?: Date | null }): EnvironmentError {
  if (err instanceof EnvironmentError) return err;
  const e = err as { code?: unknown; body?: unknown; message?: string };
  if (typeof e.code === "number") {
    const status = statusOf(e.body);
    const detail = status?.message ? `: ${status.message}` : "";
    const expired = e.code === 401 && where.tokenExpiresAt && where.tokenExpiresAt.getTime() <= Date.now() ? where.tokenExpiresAt : null;
    if (expired) {
      return new EnvironmentError(
        `cannot ${what} (HTTP 401${status?.reason ? ` ${status.reason}` : ""}): your kubeconfig's token expired at ${expired.toISOString().slice(0, 19).replace("T", " ")} UTC (${Math.round((Date.now() - expired.getTime()) / 60_000)} min ago)`,
        `create a new one that outlasts the run, e.g. kubectl -n ${where.namespace} create token kneepoint-runner --duration=4h, and put it in your kubeconfig`,
        { cause: err },
      );
    }
    const hint =
      e.code === 401
        ? "your kubeconfig's credentials were refused: refresh them (e.g. your cloud's `get-credentials`), then `kubectl auth whoami`"
        : e.code === 403
          ? `your user may not do this in namespace ${where.namespace}: apply benchmarks/rbac.yaml and bind its Roles to you (README, "Kubernetes")`
          : e.code === 404 && /namespaces? "?[a-z0-9-]*"? not found/.test(status?.message ?? "")
            ? `create the namespace (kubectl create namespace ${where.namespace}) or set NAMESPACE`
            : e.code >= 500
              ? "the API server failed; retry, and check `kubectl get --raw /readyz`"
              : "see the API server's message above";
    return new EnvironmentError(`cannot ${what} (HTTP ${e.code}${status?.reason ? ` ${status.reason}` : ""})${detail}`, hint, { cause: err });
  }
  const code = networkCode(err);
  const message = e?.message?.split("\n")[0] ?? String(err);
  // client-node runs the kubeconfig's exec plugin (gke-gcloud-auth-plugin, aws eks get-token, …) before any request;
  // a missing plugin is a spawn ENOENT/EACCES, an expired login an Error with the plugin's stderr and no code.
  if (code === "ENOENT" || code === "EACCES" || (code === null && /exec|auth|token|credential|login|sso/i.test(message))) {
    return new EnvironmentError(
      `cannot ${what}: your kubeconfig's authentication failed before reaching the API server (${code ?? message})`,
      "install or log in to the credential plugin your kubeconfig names (e.g. gke-gcloud-auth-plugin, aws sso login), then `kubectl auth whoami`",
      { cause: err },
    );
  }
  return new EnvironmentError(
    `cannot ${what}: the Kubernetes API at ${where.server} is unreachable (${code ?? message})`,
    "check the cluster with `kubectl cluster-info`, your VPN, and the current context (`kubectl config current-context`)",
    { cause: err },
  );
}
