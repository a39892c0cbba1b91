/**
 * What the harness learns about the target before sending load: that it answers, which model it serves
 * (`GET /v1/models`, as vllm bench serve does when --model is not given), and its version (`GET /version`,
 * vLLM only). Unreachable targets become EnvironmentErrors that say what to run next.
 */
import { EnvironmentError, UsageError } from "../errors.ts";
import { describeTlsFailure, probeTlsRefusal, type ClientCertificate } from "./client-certificate.ts";
import { authFailureHint, authFailureOf, describeAuthFailure, sendsCredentials } from "./auth-failure.ts";

export interface TargetInfo {
  model: string;
  /** `data[0].root` of /v1/models when present (the model path; a tokenizer id for vLLM). */
  modelRoot: string | null;
  /** `/version`'s `version`, or null when the endpoint is absent (LiteLLM, KServe). */
  serverVersion: string | null;
  /** `/version`'s `simulator` field: set only by kneepoint's own simulator, so simulated runs are labelled. */
  simulator: string | null;
  /** The simulator's profile (`/version`'s `profile`), e.g. "h100-8b". */
  simulatorProfile: string | null;
  /** max_num_seqs when the server states it (the simulator's /version does; vLLM's does not). */
  maxNumSeqs: number | null;
  servedModels: string[];
}

async function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as unknown, text };
  } catch {
    return { status: res.status, json: null, text };
  }
}

/** `clientCertificate`: server.cert_path/key_path, used to find why a TLS server refused the connection. */
export async function readTargetInfo(baseUrl: string, headers: Record<string, string>, model: string | undefined, clientCertificate?: Pick<ClientCertificate, "cert" | "key">): Promise<TargetInfo> {
  let models: { status: number; json: unknown; text: string };
  try {
    models = await getJson(`${baseUrl}/v1/models`, headers);
  } catch (err) {
    const inner = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = inner?.code ?? (err as Error).message;
    let tls = baseUrl.startsWith("https:") ? describeTlsFailure(inner?.code, inner?.message ?? (err as Error).message) : null;
    if (baseUrl.startsWith("https:") && !tls) {
      const refusal = await probeTlsRefusal(baseUrl, clientCertificate);
      if (refusal) tls = describeTlsFailure(refusal.code, refusal.message);
    }
    if (tls) throw new EnvironmentError(`TLS with the target at ${baseUrl} failed: ${tls.reason}`, tls.hint, { cause: err });
    throw new EnvironmentError(
      `cannot reach the target at ${baseUrl} (${cause})`,
      "check --base-url / BASE_URL, or start a local simulator with `kneepoint sim --port 8000`",
      { cause: err },
    );
  }
  // A refused key stops the run here, before any load: every request would be refused the same way.
  const refused = authFailureOf(models.status, models.text);
  if (refused) throw new EnvironmentError(describeAuthFailure(refused, `${baseUrl}/v1/models`), authFailureHint(sendsCredentials(headers)));
  const data = (models.json as { data?: Array<{ id?: unknown; root?: unknown }> } | null)?.data;
  const served = Array.isArray(data) ? data.map((m) => m.id).filter((id): id is string => typeof id === "string") : [];
  const first = Array.isArray(data) ? data[0] : undefined;
  if (!model && served.length === 0) {
    throw new UsageError(
      `no --model given and ${baseUrl}/v1/models listed no model (HTTP ${models.status})`,
      "pass --model (or BENCH_MODEL) with the served model name",
    );
  }
  const chosen = model ?? served[0]!;
  if (served.length > 0 && !served.includes(chosen)) {
    throw new UsageError(`model '${chosen}' is not served by ${baseUrl}; it serves: ${served.join(", ")}`, "pass one of those with --model");
  }
  const root = first && chosen === first.id && typeof first.root === "string" ? first.root : null;
  let serverVersion: string | null = null;
  let simulator: string | null = null;
  let simulatorProfile: string | null = null;
  let maxNumSeqs: number | null = null;
  try {
    const v = await getJson(`${baseUrl}/version`, headers);
    const body = v.json as { version?: unknown; simulator?: unknown; profile?: unknown; max_num_seqs?: unknown } | null;
    if (v.status === 200 && typeof body?.version === "string") serverVersion = body.version;
    if (v.status === 200 && typeof body?.simulator === "string") simulator = body.simulator;
    if (v.status === 200 && typeof body?.profile === "string") simulatorProfile = body.profile;
    if (v.status === 200 && typeof body?.max_num_seqs === "number") maxNumSeqs = body.max_num_seqs;
  } catch {
    // /version is vLLM-only; its absence is normal behind LiteLLM or KServe.
  }
  return { model: chosen, modelRoot: root, serverVersion, simulator, simulatorProfile, maxNumSeqs, servedModels: served };
}
