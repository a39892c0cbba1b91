/**
 * `startSimulator`: a vLLM-compatible server (routes.ts) over one simulator instance
 * (sim-context.ts), plus optionally a second port that serves the DCGM text at /metrics, as a
 * dcgm-exporter on :9400 would. Everything is per instance, so several can run in one process.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTlsServer, type ServerOptions as TlsServerOptions } from "node:https";
import { EnvironmentError } from "../errors.ts";
import { createSimContext } from "./sim-context.ts";
import { resolveSimConfig, type SimOptions } from "./sim-options.ts";
import { createRequestHandler, sendDcgm } from "./routes.ts";

export type { SimOptions } from "./sim-options.ts";

export interface RunningSimulator {
  /** http(s)://127.0.0.1:PORT (the listening host; loopback when bound to all interfaces); https with tlsCert. */
  url: string;
  port: number;
  /** The DCGM exporter's /metrics URL when `dcgmPort` was set. */
  dcgmUrl?: string;
  /** Ends in-flight requests, stops the engine and closes the listening sockets. */
  close(): Promise<void>;
}

export async function startSimulator(options: Partial<SimOptions> = {}): Promise<RunningSimulator> {
  const config = resolveSimConfig(options);
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
