/** The repository's manifest files, loaded the way the runner loads them, with typed accessors for tests. */
import { fileURLToPath } from "node:url";
import type { V1Container, V1Deployment, V1Job, V1PodSpec } from "@kubernetes/client-node";
import { pickManifest, readManifests, type Manifest } from "../../src/k8s/load-manifests.ts";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Every Kubernetes manifest the repository ships (values.yaml is not one). */
export const MANIFEST_FILES = [
  "deploy/vllm/deployment.yaml",
  "deploy/vllm/service.yaml",
  "deploy/vllm/podmonitor.yaml",
  "deploy/node-reader.yaml",
  "benchmarks/job.yaml",
  "benchmarks/rbac.yaml",
  "benchmarks/bench-target.example.yaml",
  "benchmarks/bench-target-auth.example.yaml",
] as const;

export const VALUES_FILE = `${REPO}deploy/vllm/values.yaml`;

export async function loadFile(file: string): Promise<Manifest[]> {
  return readManifests(`${REPO}${file}`);
}

export async function loadJob(): Promise<V1Job> {
  return pickManifest(await loadFile("benchmarks/job.yaml"), "Job") as V1Job;
}

export async function loadDeployment(): Promise<V1Deployment> {
  return pickManifest(await loadFile("deploy/vllm/deployment.yaml"), "Deployment") as V1Deployment;
}

export function podSpec(workload: V1Job | V1Deployment): V1PodSpec {
  const spec = workload.spec?.template.spec;
  if (!spec) throw new Error(`${workload.kind} has no pod template spec`);
  return spec;
}

export function onlyContainer(workload: V1Job | V1Deployment): V1Container {
  const [container, ...more] = podSpec(workload).containers;
  if (!container || more.length > 0) throw new Error(`${workload.kind} should have exactly one container`);
  return container;
}

/** The inline sh script of the Job's container: command is ["/bin/sh", "-c", script]. */
export function jobScript(job: V1Job): string {
  const command = onlyContainer(job).command ?? [];
  const script = command[2];
  if (command[0] !== "/bin/sh" || command[1] !== "-c" || script === undefined) throw new Error("the Job's command is not /bin/sh -c <script>");
  return script;
}

/** Env entries with a literal value (entries from a Secret or ConfigMap key are left out). */
export function literalEnv(container: V1Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}
