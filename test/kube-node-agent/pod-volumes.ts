/**
 * The pod's volumes, written under `<podDir>/volumes/<name>` as the kubelet's volume plugins would populate them:
 * - emptyDir (medium Memory is a plain directory too, sizeLimit ignored);
 * - configMap / secret: items (key, path, mode), defaultMode (0644), optional;
 * - downwardAPI: fieldRef (metadata.name/namespace/uid/labels/annotations, one `key="value"` line per entry as
 *   fieldpath.FormatMap writes them) and resourceFieldRef;
 * - projected: configMap, secret, downwardAPI and serviceAccountToken sources — the last through the TokenRequest
 *   API bound to the pod, as the kubelet's token manager does (what the ServiceAccount admission plugin's
 *   `kube-api-access-*` volume needs: token, ca.crt from the kube-root-ca.crt ConfigMap, namespace);
 * - hostPath: the host path itself.
 * No atomic-writer `..data` symlinks, no refresh of tokens or ConfigMap updates after the start.
 *
 * Containers see volumes at absolute mountPaths that cannot exist here, so mountPaths are rewritten to the
 * volumes' directories in argv, env values and workingDir (mount-paths.ts); a
 * path built at run time inside the container (or a library's built-in default such as the in-cluster token
 * path) is not rewritten.
 * A missing non-optional source is the kubelet's FailedMount (`MountVolume.SetUp failed for volume …`), retried.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { V1Container, V1Pod, V1Volume } from "@kubernetes/client-node";
import { resourceValue } from "./container-env.ts";
import type { PodSources } from "./pod-sources.ts";

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export type VolumeResult = { ok: true; dirs: Map<string, string> } | { ok: false; message: string };

class MountError extends Error {}

async function writeFiles(dir: string, files: Record<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean, what: string): Promise<void> {
  const chosen: KeyToPath[] = items && items.length > 0 ? items : Object.keys(files).map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const content = files[item.key];
    if (content === undefined) {
      if (optional) continue;
      throw new MountError(`${what} references non-existent config key: ${item.key}`);
    }
    const file = join(dir, item.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    await chmod(file, item.mode ?? defaultMode);
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}\n`)
    .join("");
}

interface DownwardItem {
  path: string;
  fieldRef?: { fieldPath: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
  mode?: number;
}

function downwardValue(pod: V1Pod, item: DownwardItem, allocatable: Record<string, string>): string {
  if (item.resourceFieldRef) {
    const c = (pod.spec?.containers ?? []).find((x) => x.name === item.resourceFieldRef!.containerName) ?? (pod.spec?.containers?.[0] as V1Container);
    return resourceValue(pod, c, item.resourceFieldRef, allocatable);
  }
  const path = item.fieldRef?.fieldPath ?? "";
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "metadata.labels":
      return formatMap(pod.metadata?.labels);
    case "metadata.annotations":
      return formatMap(pod.metadata?.annotations);
    default:
      return "";
  }
}

async function populate(sources: PodSources, pod: V1Pod, v: V1Volume, dir: string, allocatable: Record<string, string>): Promise<void> {
  const ns = pod.metadata!.namespace!;
  const configMapFiles = async (name: string, optional: boolean): Promise<Record<string, Buffer> | undefined> => {
    const cm = await sources.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new MountError(`configmap "${name}" not found`);
    }
    const files: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(cm.data ?? {})) files[k] = Buffer.from(val, "utf8");
    for (const [k, val] of Object.entries(cm.binaryData ?? {})) files[k] = Buffer.from(val, "base64");
    return files;
  };
  const secretFiles = async (name: string, optional: boolean): Promise<Record<string, Buffer> | undefined> => {
    const s = await sources.secret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new MountError(`secret "${name}" not found`);
    }
    const files: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(s.data ?? {})) files[k] = Buffer.from(val, "base64");
    return files;
  };
  const downward = async (items: DownwardItem[], defaultMode: number) => {
    for (const item of items) {
      const file = join(dir, item.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, downwardValue(pod, item, allocatable));
      await chmod(file, item.mode ?? defaultMode);
    }
  };

  if (v.emptyDir) return;
  if (v.configMap) {
    const files = await configMapFiles(v.configMap.name!, Boolean(v.configMap.optional));
    if (files) await writeFiles(dir, files, v.configMap.items as KeyToPath[], v.configMap.defaultMode ?? 0o644, Boolean(v.configMap.optional), "configmap");
    return;
  }
  if (v.secret) {
    const files = await secretFiles(v.secret.secretName!, Boolean(v.secret.optional));
    if (files) await writeFiles(dir, files, v.secret.items as KeyToPath[], v.secret.defaultMode ?? 0o644, Boolean(v.secret.optional), "secret");
    return;
  }
  if (v.downwardAPI) return downward((v.downwardAPI.items ?? []) as DownwardItem[], v.downwardAPI.defaultMode ?? 0o644);
  if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    for (const src of v.projected.sources ?? []) {
      if (src.configMap) {
        const files = await configMapFiles(src.configMap.name!, Boolean(src.configMap.optional));
        if (files) await writeFiles(dir, files, src.configMap.items as KeyToPath[], mode, Boolean(src.configMap.optional), "configmap");
      } else if (src.secret) {
        const files = await secretFiles(src.secret.name!, Boolean(src.secret.optional));
        if (files) await writeFiles(dir, files, src.secret.items as KeyToPath[], mode, Boolean(src.secret.optional), "secret");
      } else if (src.downwardAPI) {
        await downward((src.downwardAPI.items ?? []) as DownwardItem[], mode);
      } else if (src.serviceAccountToken) {
        const token = await sources.serviceAccountToken(pod, src.serviceAccountToken.audience, src.serviceAccountToken.expirationSeconds ?? 3600);
        const file = join(dir, src.serviceAccountToken.path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, token);
        await chmod(file, mode);
      } else {
        throw new MountError("the node agent mounts only configMap, secret, downwardAPI and serviceAccountToken projections");
      }
    }
    return;
  }
  throw new MountError("the node agent mounts emptyDir, configMap, secret, downwardAPI, projected and hostPath volumes only");
}

/** Creates every volume under `<podDir>/volumes/<name>`; a failure is FailedMount's message. */
export async function materializeVolumes(sources: PodSources, pod: V1Pod, podDir: string, allocatable: Record<string, string>): Promise<VolumeResult> {
  const dirs = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.hostPath) {
      dirs.set(v.name, v.hostPath.path);
      continue;
    }
    const dir = join(podDir, "volumes", v.name);
    await mkdir(dir, { recursive: true });
    dirs.set(v.name, dir);
    try {
      await populate(sources, pod, v, dir, allocatable);
    } catch (err) {
      const message = err instanceof MountError ? err.message : (err as Error).message;
      return { ok: false, message: `MountVolume.SetUp failed for volume "${v.name}" : ${message}` };
    }
  }
  return { ok: true, dirs };
}
