/**
 * Inside the engine bundle only (engine-bundle.ts routes the bucket uploads and the TLS client certificate here):
 * loads the optional clients' bundle from the kneepoint-engine-buckets ConfigMap on first use. Its errors are made this bundle's own
 * typed errors again (the two bundles each have their own copy of errors.ts), so an unreachable bucket is still
 * exit 3 with its hint.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { EnvironmentError, KneepointError, UsageError } from "../errors.ts";
import { BUCKETS_CONFIGMAP, BUCKETS_KEY, BUCKETS_MOUNT } from "./scenario-job-bundle-names.ts";

type Buckets = typeof import("./scenario-job-buckets.ts");

let loaded: Promise<Buckets> | null = null;

function retyped(err: unknown): unknown {
  const e = err as { kind?: unknown; message?: unknown; hint?: unknown } | null;
  if (err instanceof KneepointError || !e || typeof e.message !== "string") return err;
  const hint = typeof e.hint === "string" ? e.hint : undefined;
  if (e.kind === "environment") return new EnvironmentError(e.message, hint);
  if (e.kind === "usage") return new UsageError(e.message, hint);
  return err;
}

async function load(why: string): Promise<Buckets> {
  const source = process.env.KNEEPOINT_BUCKETS_BUNDLE ?? `${BUCKETS_MOUNT}/${BUCKETS_KEY}`;
  if (!existsSync(source)) {
    throw new EnvironmentError(
      `${why}, but the optional clients (bucket SDKs, TLS client certificates) are not in this pod (no ${source})`,
      `create the ConfigMap ${BUCKETS_CONFIGMAP} in the Job's namespace (\`kneepoint engine-configmap --namespace <ns>\`; \`kneepoint run --in-cluster\` ships it by itself) and mount it at ${BUCKETS_MOUNT} as benchmarks/scenarios/k8s/*.yaml do; the local reports are in the log`,
    );
  }
  const target = "/tmp/kneepoint-buckets.mjs";
  writeFileSync(target, gunzipSync(readFileSync(source)));
  return (await import(pathToFileURL(target).href)) as Buckets;
}

/** `why`: what the config asks for that needs them, for the error when they are missing. */
export async function loadBucketClients(why = "the config stores its reports in a bucket"): Promise<Buckets> {
  loaded ??= load(why);
  const m = await loaded;
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (err) {
        throw retyped(err);
      }
    };
  return { uploadS3Reports: wrap(m.uploadS3Reports), uploadGcsReports: wrap(m.uploadGcsReports), useClientCertificateForFetch: m.useClientCertificateForFetch };
}
