import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { describeTlsFailure, readClientCertificate } from "./client-certificate.ts";

describe("readClientCertificate", () => {
  const dir = mkdtempSync(join(tmpdir(), "kneepoint-cert-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sends none unless both keys are set, and says so when only one is (as inference-perf ignores it)", () => {
    expect(readClientCertificate({ cert_path: null, key_path: null })).toEqual({ certificate: null, warning: null });
    expect(readClientCertificate({ cert_path: "/c.pem", key_path: null }).warning).toMatch(/server\.cert_path without server\.key_path: no client certificate is sent/);
    expect(readClientCertificate({ cert_path: null, key_path: "/k.pem" }).warning).toMatch(/server\.key_path without server\.cert_path/);
  });

  it("names the key and the path of a file it cannot read or use, never the contents", () => {
    const missing = join(dir, "missing.pem");
    expect(() => readClientCertificate({ cert_path: missing, key_path: missing })).toThrow(UsageError);
    expect(() => readClientCertificate({ cert_path: missing, key_path: missing })).toThrow(`server.cert_path: cannot read ${missing} (ENOENT)`);
    const notPem = join(dir, "not.pem");
    writeFileSync(notPem, "SECRET-LOOKING-BYTES\n");
    let message = "";
    try {
      readClientCertificate({ cert_path: notPem, key_path: notPem });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^server\.(cert|key)_path: the client certificate .*not\.pem and key .*not\.pem cannot be used/);
    expect(message).not.toContain("SECRET-LOOKING-BYTES");
  });
});

describe("describeTlsFailure", () => {
  it("says what the handshake said and what to change", () => {
    expect(describeTlsFailure("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "tlsv13 alert certificate required")?.hint).toMatch(/set server\.cert_path and server\.key_path/);
    expect(describeTlsFailure("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain")?.hint).toMatch(/NODE_EXTRA_CA_CERTS=ca\.pem/);
    expect(describeTlsFailure("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", "tlsv1 alert unknown ca")?.reason).toMatch(/refused the client certificate/);
    expect(describeTlsFailure("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames")?.reason).toMatch(/does not name the host/);
    expect(describeTlsFailure("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1")).toBeNull();
  });
});
