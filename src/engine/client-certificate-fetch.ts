/**
 * The client certificate (client-certificate.ts) on every fetch() of the process: the target's /v1/models,
 * /tokenize, /metrics. Its own module because it needs the undici package (Node's fetch takes a dispatcher only from
 * it), about a third of the engine bundle: the in-cluster engine loads it on demand from the optional clients'
 * bundle (engine-bundle.ts), as it loads the bucket SDKs.
 */
import type { Dispatcher } from "undici";
import type { ClientCertificate } from "./client-certificate.ts";

/**
 * Sends the certificate with every fetch() until the returned function restores the previous dispatcher. A server
 * that does not ask for a client certificate never sees it. Async because the in-cluster engine loads it on demand.
 */
export async function useClientCertificateForFetch(certificate: ClientCertificate): Promise<() => Promise<void>> {
  // Loaded here, not at the top: only a config with server.cert_path needs undici.
  const { Agent, getGlobalDispatcher, setGlobalDispatcher } = await import("undici");
  const previous: Dispatcher = getGlobalDispatcher();
  const agent = new Agent({ connect: { cert: certificate.cert, key: certificate.key } });
  setGlobalDispatcher(agent);
  return async () => {
    setGlobalDispatcher(previous);
    await agent.close();
  };
}
