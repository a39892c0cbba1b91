/**
 * `server.cert_path` / `server.key_path`: the TLS client certificate sent to the target, as inference-perf 0.7.0
 * sends it (openai_client.py: only when both are set, `ssl.create_default_context(SERVER_AUTH)` +
 * `load_cert_chain(cert_path, key_path)`, the server verified against the default trust store).
 *
 * Server verification: Node verifies against its bundled CA list plus the PEM file named by NODE_EXTRA_CA_CERTS
 * (read at process start); inference-perf against the system store plus SSL_CERT_FILE. A target with a private CA
 * therefore runs with `NODE_EXTRA_CA_CERTS=ca.pem kneepoint run …` (and `SSL_CERT_FILE=ca.pem inference-perf …`).
 *
 * The key's bytes never leave this module other than into the TLS options: errors name the key and the path only.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { connect, createSecureContext } from "node:tls";
import { UsageError } from "../errors.ts";

export interface ClientCertificate {
  cert: Buffer;
  key: Buffer;
  certPath: string;
  keyPath: string;
}

function readPem(key: "server.cert_path" | "server.key_path", path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`${key}: cannot read ${path} (${code})`, `point ${key} at a readable PEM file`, { cause: err });
  }
}

/**
 * The certificate and key of the server block, read and checked (they parse, and the key is the certificate's), or
 * null when either is unset: inference-perf sends no client certificate unless both are set (`warning` says so).
 */
export function readClientCertificate(server: { cert_path: string | null; key_path: string | null }): { certificate: ClientCertificate | null; warning: string | null } {
  const { cert_path: certPath, key_path: keyPath } = server;
  if (!certPath || !keyPath) {
    const only = certPath ? "server.cert_path without server.key_path" : keyPath ? "server.key_path without server.cert_path" : null;
    return { certificate: null, warning: only ? `${only}: no client certificate is sent (inference-perf sends one only when both are set)` : null };
  }
  const cert = readPem("server.cert_path", certPath);
  const key = readPem("server.key_path", keyPath);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    // OpenSSL's reason ("key values mismatch", "no start line", …) names no key material.
    const reason = (err as Error).message;
    const which = /key|private/i.test(reason) && !/values mismatch/.test(reason) ? "server.key_path" : "server.cert_path";
    throw new UsageError(
      `${which}: the client certificate ${certPath} and key ${keyPath} cannot be used (${reason})`,
      "server.cert_path must be a PEM certificate and server.key_path its unencrypted PEM private key",
    );
  }
  return { certificate: { cert, key, certPath, keyPath }, warning: null };
}

/** probeTlsRefusal's code for a server that closed the connection after the handshake without a TLS alert. */
export const CLOSED_AFTER_HANDSHAKE = "CLOSED_AFTER_HANDSHAKE";

/** A TLS failure in words (what the handshake said, and what to change), or null when the error is not about TLS. */
export function describeTlsFailure(code: string | undefined, message: string): { reason: string; hint: string } | null {
  const text = `${code ?? ""} ${message}`;
  const said = code && !message.includes(code) ? `${code}: ${message}` : message;
  if (/CERTIFICATE_REQUIRED|certificate required/i.test(text)) {
    return { reason: `the server requires a client certificate (${said})`, hint: "set server.cert_path and server.key_path to a certificate the server's CA signed, and its key" };
  }
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|bad certificate|unknown ca|CLOSED_AFTER_HANDSHAKE/i.test(text)) {
    return { reason: `the server refused the client certificate (${said})`, hint: "server.cert_path must be signed by a CA the server trusts for client certificates" };
  }
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED/i.test(text)) {
    return { reason: `the server's certificate is not signed by a trusted CA (${said})`, hint: "pass the server's CA as NODE_EXTRA_CA_CERTS=ca.pem kneepoint run … (inference-perf reads SSL_CERT_FILE=ca.pem)" };
  }
  if (/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/i.test(text)) return { reason: `the server's certificate is not valid now (${said})`, hint: "renew the server's certificate" };
  if (/ERR_TLS_CERT_ALTNAME_INVALID|altnames/i.test(text)) {
    return { reason: `the server's certificate does not name the host of server.base_url (${said})`, hint: "use a server.base_url host that the certificate names" };
  }
  if (/EPROTO|SSL|TLS/i.test(text)) return { reason: `the TLS handshake failed (${said})`, hint: "check that server.base_url is an https server and the certificates in server.cert_path/key_path" };
  return null;
}

/**
 * Why a TLS connection to `baseUrl` is refused, read from a bare handshake: with TLS 1.3 a server that rejects the
 * client certificate (or its absence) says so in an alert after the client's handshake has finished, which fetch()
 * only reports as "other side closed". Null when the handshake and the next second pass without an error.
 */
export function probeTlsRefusal(baseUrl: string, certificate?: Pick<ClientCertificate, "cert" | "key">): Promise<{ code: string | undefined; message: string } | null> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: { code: string | undefined; message: string } | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const socket = connect({ host, port: Number(url.port || 443), ...(isIP(host) ? {} : { servername: host }), ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}) });
    const timer = setTimeout(() => done(null), 5000);
    let handshakeDone = false;
    socket.on("secureConnect", () => {
      handshakeDone = true;
      clearTimeout(timer);
      setTimeout(() => done(null), 1000);
    });
    // OpenSSL's text, without its source file and line: "tlsv13 alert certificate required".
    socket.on("error", (err: NodeJS.ErrnoException) => done({ code: err.code, message: err.message.split("\n")[0]!.replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[a-z0-9_]+:/, "").replace(/:\.\.\/deps\/.*$/, "") }));
    // A Node server that rejects a client certificate closes the socket after the handshake without an alert.
    socket.on("close", () => {
      if (handshakeDone && certificate) done({ code: CLOSED_AFTER_HANDSHAKE, message: "the server closed the connection right after the TLS handshake, before any request" });
      else done(null);
    });
  });
}
