/**
 * The node's API client: HTTPS with the node's client certificate (CN=system:node:<name>, O=system:nodes), so the
 * API server applies the Node authorizer and NodeRestriction admission to everything the agent does, as for a
 * real kubelet. Plain JSON requests plus a list+watch helper (the kubelet's pod informer, filtered by
 * spec.nodeName).
 */
import https from "node:https";

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly text: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${text.slice(0, 500)}`);
  }
  /** The Status object's message, or the body. */
  get apiMessage(): string {
    try {
      return (JSON.parse(this.text) as { message?: string }).message ?? this.text;
    } catch {
      return this.text;
    }
  }
}

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

export class ApiClient {
  private readonly agent: https.Agent;
  private readonly url: URL;
  private readonly watches = new Set<import("node:http").ClientRequest>();

  constructor(server: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }) {
    this.url = new URL(server);
    this.agent = new https.Agent({ ...tls, keepAlive: true, maxSockets: 16 });
  }

  /** Resolves for any HTTP status; the caller decides. */
  raw<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse<T>> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = https.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          agent: this.agent,
          timeout: 30_000,
          headers: { Accept: "application/json", ...(data ? { "Content-Type": contentType, "Content-Length": data.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, text });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on("error", reject);
      req.end(data);
    });
  }

  /** Like raw(), but a non-2xx status is an ApiError. */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const r = await this.raw<T>(method, path, body, contentType);
    if (r.status < 200 || r.status >= 300) throw new ApiError(r.status, method, path, r.text);
    return r.body;
  }

  /** GET that maps 404 to undefined. */
  async getOrUndefined<T>(path: string): Promise<T | undefined> {
    const r = await this.raw<T>("GET", path);
    if (r.status === 404) return undefined;
    if (r.status < 200 || r.status >= 300) throw new ApiError(r.status, "GET", path, r.text);
    return r.body;
  }

  /**
   * One watch request from resourceVersion; resolves when the server ends it (timeout) or rejects on error.
   * ERROR events (410 Gone …) reject with an ApiError carrying the Status code.
   */
  watchOnce<T>(path: string, resourceVersion: string, onEvent: (e: WatchEvent<T>) => void): Promise<string> {
    let rv = resourceVersion;
    const sep = path.includes("?") ? "&" : "?";
    const full = `${path}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=240&resourceVersion=${encodeURIComponent(rv)}`;
    return new Promise((resolve, reject) => {
      const req = https.request({ host: this.url.hostname, port: this.url.port, method: "GET", path: full, agent: this.agent, headers: { Accept: "application/json" } }, (res) => {
        if ((res.statusCode ?? 0) !== 200) {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString("utf8")));
          res.on("end", () => reject(new ApiError(res.statusCode ?? 0, "WATCH", full, text)));
          return;
        }
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            const e = JSON.parse(line) as WatchEvent<T & { metadata?: { resourceVersion?: string }; code?: number }>;
            if (e.type === "ERROR") {
              req.destroy();
              const st = e.object as { code?: number };
              reject(new ApiError(st.code ?? 500, "WATCH", full, JSON.stringify(e.object)));
              return;
            }
            rv = e.object.metadata?.resourceVersion ?? rv;
            if (e.type !== "BOOKMARK") onEvent(e);
          }
        });
        res.on("end", () => resolve(rv));
        res.on("error", reject);
      });
      this.watches.add(req);
      req.on("close", () => this.watches.delete(req));
      req.on("error", reject);
      req.end();
    });
  }

  /** Ends open watches and idle keep-alive sockets. */
  close(): void {
    for (const w of this.watches) w.destroy();
    this.agent.destroy();
  }
}

/** Kubernetes' MicroTime (metav1.MicroTime, RFC 3339 with microseconds). */
export function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** metav1.Time: RFC 3339, seconds. */
export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
