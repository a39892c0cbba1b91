/**
 * The PKI of a test control plane, made fresh for each start in its temp dir: a CA, the API server's serving
 * certificate, client certificates (admin in system:masters, the controller manager, the scheduler, the API
 * server's kubelet client for the node agent to come, the aggregator's front-proxy client) and the service-account signing key pair.
 *
 * Keys come from node:crypto (ECDSA P-256 for TLS — fast; RSA 2048 for service-account tokens, RS256 as most
 * clusters sign); certificates from the `openssl` CLI (`req -new` + `x509 -req` with explicit extensions), which
 * node:crypto cannot make. Valid for two days: a test run is minutes.
 */
import { execFile } from "node:child_process";
import { generateKeyPair, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);
const generateKeyPairP = promisify(generateKeyPair);

export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertPair;
  apiserver: CertPair;
  admin: CertPair;
  controllerManager: CertPair;
  scheduler: CertPair;
  /** The API server's client certificate towards kubelets (--kubelet-client-certificate). */
  kubeletClient: CertPair;
  /** The aggregator's client certificate (--proxy-client-cert-file; CN front-proxy-client, trusted for request headers). */
  frontProxyClient: CertPair;
  /** Service-account token signing: private key (PKCS#8) and public key (SPKI). */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const OPENSSL_CNF = `[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::KCP_SAN
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

async function openssl(dir: string, args: string[], san = "DNS:localhost"): Promise<void> {
  try {
    await execFileP("openssl", args, { cwd: dir, env: { ...process.env, KCP_SAN: san, OPENSSL_CONF: join(dir, "openssl.cnf") } });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(" ")} failed (the test control plane needs the openssl CLI): ${e.stderr?.trim() || e.message}`);
  }
}

async function ecKey(path: string): Promise<void> {
  const { privateKey } = await generateKeyPairP("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  await writeFile(path, privateKey, { mode: 0o600 });
}

const serial = () => `0x${randomBytes(12).toString("hex")}`;

/** A fresh key and a certificate for it signed by the PKI's CA (extensions from `[server]` or `[client]` of openssl.cnf). */
async function signLeaf(pki: Pki, pair: CertPair, subject: string, kind: "server" | "client", san?: string): Promise<void> {
  await ecKey(pair.key);
  const csr = `${pair.cert}.csr`;
  await openssl(pki.dir, ["req", "-new", "-key", pair.key, "-subj", subject, "-out", csr]);
  await openssl(pki.dir, ["x509", "-req", "-in", csr, "-CA", pki.ca.cert, "-CAkey", pki.ca.key, "-set_serial", serial(), "-days", "2", "-extfile", join(pki.dir, "openssl.cnf"), "-extensions", kind, "-out", pair.cert], san);
}

/**
 * Issues one more certificate from a control plane's CA, into `pki.dir/<name>.crt|.key`: for the node agent, a
 * kubelet client identity (`/O=system:nodes/CN=system:node:<name>`, kind "client") and the kubelet's serving
 * certificate (kind "server", `sans` such as `IP:10.244.1.1,DNS:gpu-node-1`).
 */
export async function issueCertificate(pki: Pki, name: string, subject: string, kind: "server" | "client", sans?: string): Promise<CertPair> {
  const pair: CertPair = { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
  await signLeaf(pki, pair, subject, kind, sans);
  return pair;
}

/** Writes the PKI into dir/pki-less names (ca.crt, apiserver.crt, …). `sans` are the serving cert's names. */
export async function makePki(dir: string, sans: { ips: string[]; dns: string[] }): Promise<Pki> {
  await writeFile(join(dir, "openssl.cnf"), OPENSSL_CNF);
  const p = (name: string): CertPair => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  const pki: Pki = {
    dir,
    ca: p("ca"),
    apiserver: p("apiserver"),
    admin: p("admin"),
    controllerManager: p("kube-controller-manager"),
    scheduler: p("kube-scheduler"),
    kubeletClient: p("apiserver-kubelet-client"),
    frontProxyClient: p("front-proxy-client"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
  };
  await ecKey(pki.ca.key);
  await openssl(dir, ["req", "-x509", "-new", "-key", pki.ca.key, "-subj", "/CN=kneepoint-test-ca", "-days", "2", "-set_serial", serial(), "-extensions", "ca", "-out", pki.ca.cert]);

  const leaf = (pair: CertPair, subject: string, kind: "server" | "client", san?: string) => signLeaf(pki, pair, subject, kind, san);
  const san = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((ip) => `IP:${ip}`)].join(",");
  const sa = generateKeyPairP("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  await Promise.all([
    leaf(pki.apiserver, "/CN=kube-apiserver", "server", san),
    leaf(pki.admin, "/O=system:masters/CN=kneepoint-test-admin", "client"),
    leaf(pki.controllerManager, "/CN=system:kube-controller-manager", "client"),
    leaf(pki.scheduler, "/CN=system:kube-scheduler", "client"),
    leaf(pki.kubeletClient, "/O=system:masters/CN=kube-apiserver-kubelet-client", "client"),
    leaf(pki.frontProxyClient, "/CN=front-proxy-client", "client"),
  ]);
  const { privateKey, publicKey } = await sa;
  await writeFile(pki.serviceAccountKey, privateKey, { mode: 0o600 });
  await writeFile(pki.serviceAccountPub, publicKey);
  return pki;
}
