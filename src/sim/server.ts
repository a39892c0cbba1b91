/**
 * `startSimulator`: a vLLM-compatible server (routes.ts) over one simulator instance
 * (sim-context.ts), plus optionally a second port that serves the DCGM text at /metrics, as a
 * dcgm-exporter on :9400 would. Everything is per instance, so several can run in one process.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTlsServer, type ServerOptions as TlsServerOptions } from "node:https";
import { EnvironmentError } from "../errors.ts";
import { createSimContext, type SimContext } from "./sim-context.ts";
import { resolveSimConfig, type SimConfig, type SimOptions } from "./sim-options.ts";
import { createRouter, type RoutedReplica } from "./router.ts";
import { createRequestHandler, sendDcgm } from "./routes.ts";

export type { SimOptions } from "./sim-options.ts";

export interface RunningSimulator {
  /** http(s)://127.0.0.1:PORT (the listening host; loopback when bound to all interfaces); https with tlsCert. */
  url: string;
  port: number;
  /** The DCGM exporter's /metrics URL when `dcgmPort` was set. */
  dcgmUrl?: string;
  /** With `replicas` > 1: each replica's own base URL (its /metrics is that replica's, as a pod's), in order. */
  replicaUrls?: string[];
  /** With `replicas` > 1: requests the router sent to each replica so far. */
  routedCounts?: () => number[];
  /** Ends in-flight requests, stops the engine and closes the listening sockets. */
  close(): Promise<void>;
}

export async function startSimulator(options: Partial<SimOptions> = {}): Promise<RunningSimulator> {
  const config = resolveSimConfig(options);
  if (config.replicas > 1) return startReplicas(config);
  const ctx = createSimContext(config);
  let tls: TlsServerOptions | null;
  try {
    tls = tlsOptions(config);
  } catch (err) {
    ctx.close();
    throw err;
  }
  const serverOptions = { noDelay: true, keepAliveTimeout: 30_000 };
  const server: Server = tls ? createTlsServer({ ...serverOptions, ...tls }, createRequestHandler(ctx)) : createServer(serverOptions, createRequestHandler(ctx));
  let dcgmServer: Server | null = null;
  try {
    const port = await listen(server, config.port, config.host, "--port");
    const host = urlHost(config.host);
    let dcgmUrl: string | undefined;
    if (config.dcgmPort !== undefined) {
      dcgmServer = createServer((req, res) => {
        if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/metrics") return sendDcgm(ctx, res);
        res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n");
      });
      const dcgmPort = await listen(dcgmServer, config.dcgmPort, config.host, "--dcgm-port");
      dcgmUrl = `http://${host}:${dcgmPort}/metrics`;
    }
    let closing: Promise<void> | null = null;
    return {
      url: `${tls ? "https" : "http"}://${host}:${port}`,
      port,
      ...(dcgmUrl ? { dcgmUrl } : {}),
      close() {
        closing ??= (async () => {
          for (const end of [...ctx.shutdownHooks]) end();
          ctx.close();
          await Promise.all([closeServer(server), dcgmServer ? closeServer(dcgmServer) : undefined]);
        })();
        return closing;
      },
    };
  } catch (err) {
    ctx.close();
    server.close();
    dcgmServer?.close();
    throw err;
  }
}

/** The HTTPS options of --tls-cert/--tls-key(/--tls-client-ca), or null for plain HTTP. */
function tlsOptions(config: SimOptions): TlsServerOptions | null {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return null;
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new EnvironmentError(`the simulator cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, `check the path given to ${flag}`, { cause: err });
    }
  };
  const options: TlsServerOptions = { cert: read("--tls-cert", config.tlsCert), key: read("--tls-key", config.tlsKey) };
  if (config.tlsClientCa !== undefined) Object.assign(options, { ca: read("--tls-client-ca", config.tlsClientCa), requestCert: true, rejectUnauthorized: true });
  return options;
}

/** What the router reads of a replica's live state. */
function routedReplica(ctx: SimContext): RoutedReplica {
  return {
    waiting: () => ctx.engine?.snapshot().waiting ?? 0,
    kvUsage: () => (ctx.engine ? ctx.engine.snapshot().kvUsage : 0),
    cachedPrefixBlocks: (hashes) => ctx.engine?.cachedPrefixBlocks(hashes) ?? 0,
  };
}

/**
 * `replicas` simulators behind one router on `port` (generation requests go where the router picks; /metrics there
 * says where the replicas' are), each replica also on its own port (port + 1 + i, or a free one with port 0).
 */
async function startReplicas(config: SimConfig): Promise<RunningSimulator> {
  const contexts = Array.from({ length: config.replicas }, () => createSimContext(config));
  const router = createRouter(contexts.map(routedReplica), config.router, { seed: config.seed, blockSize: config.profileSpec.serving.blockSize });
  const host = urlHost(config.host);
  const servers: Server[] = [];
  try {
    const replicaUrls: string[] = [];
    for (const [i, ctx] of contexts.entries()) {
      const s = createServer({ noDelay: true, keepAliveTimeout: 30_000 }, createRequestHandler(ctx));
      servers.push(s);
      const port = await listen(s, config.port === 0 ? 0 : config.port + 1 + i, config.host, "--port");
      replicaUrls.push(`http://${host}:${port}`);
    }
    const routed = createRequestHandler(contexts[0]!, (request) => contexts[router.pick(request)]!);
    const front = createServer({ noDelay: true, keepAliveTimeout: 30_000 }, (req, res) => {
      if ((req.url ?? "").split("?")[0] === "/metrics") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ detail: `kneepoint-sim router (${config.router}): each replica serves its own /metrics`, replicas: replicaUrls.map((u) => `${u}/metrics`) }));
        return;
      }
      routed(req, res);
    });
    servers.push(front);
    const port = await listen(front, config.port, config.host, "--port");
    let closing: Promise<void> | null = null;
    return {
      url: `http://${host}:${port}`,
      port,
      replicaUrls,
      routedCounts: () => router.counts(),
      close() {
        closing ??= (async () => {
          for (const ctx of contexts) {
            for (const end of [...ctx.shutdownHooks]) end();
            ctx.close();
          }
          await Promise.all(servers.map(closeServer));
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const ctx of contexts) ctx.close();
    for (const s of servers) s.close();
    throw err;
  }
}

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const hint = err.code === "EADDRINUSE" ? `pick another with ${flag} N, or ${flag} 0 for a free one` : `check ${flag} and --host`;
      reject(new EnvironmentError(`the simulator cannot listen on ${host}:${port}: ${err.code ?? err.message}`, hint, { cause: err }));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
