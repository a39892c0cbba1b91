/**
 * Containers see volumes at absolute `mountPath`s, which cannot exist on this machine (the node agent's containers
 * share its filesystem), so each mountPath prefix in command, args, env values and workingDir is rewritten to the
 * volume's directory: the node agent's one deviation from a real container.
 */
import { join } from "node:path";

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
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
