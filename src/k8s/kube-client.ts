/**
 * The one connection to the cluster: the user's kubeconfig (KUBECONFIG or ~/.kube/config, or the pod's service
 * account in a cluster) through @kubernetes/client-node, the namespace to work in, and typed API clients. Raw
 * streaming requests (pod logs, the service proxy) go through node:http(s) with the same credentials, because
 * the client's Log helper pipes the body without reporting a connection that breaks mid-stream.
 */
import { existsSync } from "node:fs";
import http from "node:http";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import https from "node:https";
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { EnvironmentError, UsageError } from "../errors.ts";
import { describeKubeError } from "./kube-errors.ts";

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  /** Resolve with the response whatever its status (the service proxy passes the Service's own answers on). */
  anyStatus?: boolean;
}

export interface Kube {
  kc: KubeConfig;
  /** The API server's URL, for messages. */
  server: string;
  context: string;
  namespace: string;
  core: CoreV1Api;
  batch: BatchV1Api;
  apps: AppsV1Api;
  objects: KubernetesObjectApi;
  /** GET (or another method) on an API path, returning the response as a stream; non-2xx becomes an error. */
  request(path: string, opts?: RawRequestOptions): Promise<http.IncomingMessage>;
  /** When the kubeconfig's bearer token expires (a ServiceAccount token from `kubectl create token`), if it says. */
  tokenExpiresAt: Date | null;
}

/**
 * The `exp` claim of a JWT bearer token (ServiceAccount tokens are JWTs), read without verifying it: only to warn
 * before a run outlives its credentials and to name the cause of a 401. Null for any other kind of token.
 */
export function jwtExpiry(token: string | undefined): Date | null {
  const payload = token?.split(".")[1];
  if (!payload || token!.split(".").length !== 3) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? new Date(exp * 1000) : null;
  } catch {
    return null;
  }
}

export const DEFAULT_NAMESPACE = "serving";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Where client-node looks for a kubeconfig: KUBECONFIG, ~/.kube/config, or the pod's service account. */
function kubeconfigExists(env: NodeJS.ProcessEnv): boolean {
  const files = env.KUBECONFIG?.split(delimiter).filter(Boolean) ?? [join(env.HOME ?? homedir(), ".kube", "config")];
  return files.some((f) => existsSync(f)) || Boolean(env.KUBERNETES_SERVICE_HOST);
}

export function connectKube(opts: { namespace?: string | undefined; env?: NodeJS.ProcessEnv }): Kube {
  // Without any, client-node would quietly try http://localhost:8080.
  if (!kubeconfigExists(opts.env ?? process.env)) {
    throw new UsageError("no kubeconfig found (KUBECONFIG is unset and ~/.kube/config does not exist)", "get your cluster's credentials (e.g. `gcloud container clusters get-credentials …`, `aws eks update-kubeconfig …`); `make demo` needs no cluster");
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (err) {
    throw new UsageError(`cannot read your kubeconfig: ${(err as Error).message}`, "set KUBECONFIG, or check ~/.kube/config with `kubectl config view`");
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new UsageError("no Kubernetes cluster is configured (no current context in the kubeconfig)", "set KUBECONFIG or run `kubectl config use-context <name>`; `make demo` needs no cluster");
  }
  const contextName = kc.getCurrentContext();
  // The seed's namespace, so its kubectl recipes (`kubectl -n serving create configmap bench-target …`) work as written.
  const namespace = opts.namespace?.trim() || DEFAULT_NAMESPACE;
  if (!NAME.test(namespace) || namespace.length > 63) throw new UsageError(`NAMESPACE '${namespace}' is not a valid namespace name`, "use lower-case letters, digits and '-'");
  const server = cluster.server.replace(/\/+$/, "");
  const request: Kube["request"] = async (path, o = {}) => {
    const url = new URL(server + path);
    const options: https.RequestOptions = { method: o.method ?? "GET", headers: { ...(o.headers ?? {}) } };
    await kc.applyToHTTPSOptions(options);
    const mod = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { ...options, ...(o.signal ? { signal: o.signal } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || o.anyStatus) return resolve(res);
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c.length < 64 * 1024 ? c : ""));
        res.on("end", () => reject(describeKubeError({ code: status, body: text }, `${options.method} ${path}`, { server, namespace, tokenExpiresAt: jwtExpiry(kc.getCurrentUser()?.token) })));
        res.on("error", reject);
      });
      req.on("error", (err) => reject(describeKubeError(err, `${options.method} ${path}`, { server, namespace })));
      // Long log follows are silent between steps: TCP keepalive lets an idle-timeout cut (NAT, load balancer) surface.
      req.on("socket", (socket) => socket.setKeepAlive(true, 30_000));
      req.end(o.body);
    });
  };
  return {
    kc,
    server,
    context: contextName,
    namespace,
    tokenExpiresAt: jwtExpiry(kc.getCurrentUser()?.token),
    core: kc.makeApiClient(CoreV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
    request,
  };
}

/** Runs one API call and turns whatever it throws into an error that says what failed and what to do. */
export async function kubeCall<T>(kube: Pick<Kube, "server" | "namespace"> & { tokenExpiresAt?: Date | null }, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw describeKubeError(err, what, kube);
  }
}

/** True when an API call failed with this HTTP status (e.g. 404 to treat "absent" as a normal answer). */
export function isKubeStatus(err: unknown, code: number): boolean {
  return err instanceof EnvironmentError ? (err.cause as { code?: number } | undefined)?.code === code : (err as { code?: unknown })?.code === code;
}
