/**
 * The engine's ConfigMaps outside a run: `kneepoint engine-configmap` creates (or replaces) `kneepoint-engine` (the
 * native engine) and `kneepoint-engine-buckets` (the bucket clients) in a namespace, for the Jobs of
 * benchmarks/scenarios/k8s/*.yaml applied with kubectl and the Helm chart's; `--print` writes them as YAML instead
 * (kubectl apply -f -, or a GitOps repository). `kneepoint run --in-cluster` ships the bucket clients itself when its
 * config stores to a bucket (shipBucketsBundle).
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { buildBucketsBundle, buildEngineBundle, BUCKETS_CONFIGMAP, BUCKETS_KEY, BUNDLE_KEY } from "../k8s/engine-bundle.ts";
import { connectKube, isKubeStatus, kubeCall, type Kube } from "../k8s/kube-client.ts";
import { objectMeta } from "../k8s/manifest-names.ts";
import { HARNESS_VERSION } from "../version.ts";
import { io as processIo } from "./commands/sweep.ts";

function bundleConfigMap(name: string, key: string, gzipped: Buffer, namespace: string | null, runId?: string): V1ConfigMap {
  const meta = objectMeta("engine-bundle", runId);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, ...(namespace ? { namespace } : {}), labels: meta.labels, annotations: { "kneepoint.dev/version": HARNESS_VERSION } },
    binaryData: { [key]: gzipped.toString("base64") },
  };
}

async function replace(kube: Kube, body: V1ConfigMap): Promise<void> {
  const name = body.metadata!.name!;
  try {
    await kube.core.deleteNamespacedConfigMap({ name, namespace: kube.namespace });
  } catch (err) {
    if (!isKubeStatus(err, 404)) await kubeCall(kube, `delete ConfigMap ${name}`, () => Promise.reject(err));
  }
  await kubeCall(kube, `create ConfigMap ${name} in namespace ${kube.namespace}`, () => kube.core.createNamespacedConfigMap({ namespace: kube.namespace, body }));
}

/** The bucket clients for this run's Job (its config stores to S3 or GCS); deleted with the run's other ConfigMaps. */
export async function shipBucketsBundle(kube: Kube, runId: string, say: (s: string) => void): Promise<void> {
  const b = await buildBucketsBundle();
  say(`bucket clients bundled: ${(b.gzipped.length / 1024).toFixed(0)} KiB gzipped, in ConfigMap ${BUCKETS_CONFIGMAP}`);
  await replace(kube, bundleConfigMap(BUCKETS_CONFIGMAP, BUCKETS_KEY, b.gzipped, kube.namespace, runId));
}

/** `kneepoint engine-configmap` (commands/engine-configmap.ts defines its flags and help). */
export async function runEngineConfigMap(o: { namespace?: string; print?: boolean }): Promise<void> {
  const cli = processIo();
  const [engine, buckets] = [await buildEngineBundle(), await buildBucketsBundle()];
  const namespace = o.namespace ?? (process.env.NAMESPACE?.trim() || null);
  const maps = [bundleConfigMap(objectMeta("engine-bundle").name, BUNDLE_KEY, engine.gzipped, o.print ? namespace : null), bundleConfigMap(BUCKETS_CONFIGMAP, BUCKETS_KEY, buckets.gzipped, o.print ? namespace : null)];
  if (o.print) {
    cli.stdout.write(maps.map((m) => `---\n${stringify(m, { lineWidth: 0 })}`).join(""));
    return;
  }
  const kube = connectKube({ namespace: namespace ?? undefined });
  for (const m of maps) {
    await replace(kube, { ...m, metadata: { ...m.metadata, namespace: kube.namespace } });
    cli.stderr.write(`ConfigMap ${m.metadata!.name} (${(Buffer.from(Object.values(m.binaryData!)[0]!, "base64").length / 1024).toFixed(0)} KiB gzipped, kneepoint ${HARNESS_VERSION}) in namespace ${kube.namespace}\n`);
  }
}
