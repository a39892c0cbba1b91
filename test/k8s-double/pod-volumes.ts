/**
 * The pod's volumes, materialized in a temp dir per pod: configMap and secret volumes (items with key, path
 * and mode, defaultMode, optional) and emptyDir. Containers see volumes at absolute `mountPath`s, which
 * cannot exist on this machine, so the kubelet rewrites each mountPath prefix in command, args, env values
 * and workingDir to the volume's directory: the double's one deviation from a real container (see
 * `rewriteMountPaths`).
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Cluster } from "./cluster.ts";
import type { KubeObject } from "./object-store.ts";

type Obj = Record<string, unknown>;

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

interface Volume {
  name: string;
  emptyDir?: Obj;
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export type VolumeResult = { ok: true; dirs: Map<string, string> } | { ok: false; reason: string; message: string };

function writeFiles(dir: string, files: Record<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number): string | undefined {
  const chosen: KeyToPath[] = items && items.length > 0 ? items : Object.keys(files).map((key) => ({ key, path: key }));
  for (const item of chosen) {
    const content = files[item.key];
    if (content === undefined) return item.key;
    const file = join(dir, item.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    chmodSync(file, item.mode ?? defaultMode);
  }
  return undefined;
}

/** Creates every volume under `podDir/volumes/<name>`; a missing non-optional source is a FailedMount. */
export function materializeVolumes(c: Cluster, pod: KubeObject, podDir: string): VolumeResult {
  const dirs = new Map<string, string>();
  const ns = pod.metadata.namespace;
  for (const v of ((pod.spec as Obj).volumes as Volume[] | undefined) ?? []) {
    const dir = join(podDir, "volumes", v.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(v.name, dir);
    if (v.emptyDir) continue;
    if (v.configMap) {
      const cm = c.store.get(c.res("ConfigMap"), ns, v.configMap.name);
      if (!cm) {
        if (v.configMap.optional) continue;
        return { ok: false, reason: "FailedMount", message: `MountVolume.SetUp failed for volume "${v.name}" : configmap "${v.configMap.name}" not found` };
      }
      const files: Record<string, Buffer> = {};
      for (const [k, val] of Object.entries((cm.data as Record<string, string> | undefined) ?? {})) files[k] = Buffer.from(val, "utf8");
      for (const [k, val] of Object.entries((cm.binaryData as Record<string, string> | undefined) ?? {})) files[k] = Buffer.from(val, "base64");
      const missing = writeFiles(dir, files, v.configMap.items, v.configMap.defaultMode ?? 0o644);
      if (missing && !v.configMap.optional) return { ok: false, reason: "FailedMount", message: `MountVolume.SetUp failed for volume "${v.name}" : configmap references non-existent config key: ${missing}` };
      continue;
    }
    if (v.secret) {
      const s = c.store.get(c.res("Secret"), ns, v.secret.secretName);
      if (!s) {
        if (v.secret.optional) continue;
        return { ok: false, reason: "FailedMount", message: `MountVolume.SetUp failed for volume "${v.name}" : secret "${v.secret.secretName}" not found` };
      }
      const files: Record<string, Buffer> = {};
      for (const [k, val] of Object.entries((s.data as Record<string, string> | undefined) ?? {})) files[k] = Buffer.from(val, "base64");
      const missing = writeFiles(dir, files, v.secret.items, v.secret.defaultMode ?? 0o644);
      if (missing && !v.secret.optional) return { ok: false, reason: "FailedMount", message: `MountVolume.SetUp failed for volume "${v.name}" : references non-existent secret key: ${missing}` };
      continue;
    }
    return { ok: false, reason: "FailedMount", message: `MountVolume.SetUp failed for volume "${v.name}" : the double only mounts configMap, secret and emptyDir volumes` };
  }
  return { ok: true, dirs };
}

/** mountPath → host directory, longest mountPath first (so /home/bench/.cache wins over /home/bench). */
export function mountTable(mounts: readonly VolumeMount[], dirs: ReadonlyMap<string, string>): [string, string][] {
  return mounts
    .filter((m) => dirs.has(m.name))
    .map((m): [string, string] => [m.mountPath.replace(/\/+$/, "") || "/", m.subPath ? join(dirs.get(m.name)!, m.subPath) : dirs.get(m.name)!])
    .sort(([a], [b]) => b.length - a.length);
}

/**
 * Replaces each mountPath where it starts a path: at the start of the string or after a character that
 * cannot be part of a path (space, quote, '=', ':', '(' …), and followed by '/', the end, or such a character.
 */
export function rewriteMountPaths(text: string, table: readonly [string, string][]): string {
  if (table.length === 0) return text;
  const escaped = table.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(`(^|[^A-Za-z0-9._/~-])(${escaped.join("|")})(?=$|[^A-Za-z0-9._-])`, "g");
  return text.replace(re, (_m, before: string, path: string) => `${before}${table.find(([from]) => from === path)![1]}`);
}
