/**
 * Python's glob.glob(pattern, recursive=True) for trace file lists: `*` and `?` within a path segment (not matching a
 * leading dot, as Python), `**` for any depth of directories. Files and directories that match; the caller filters.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const segmentRegex = (seg: string) => new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);

function children(dir: string): string[] {
  try {
    return readdirSync(dir === "" ? "." : dir).sort();
  } catch {
    return [];
  }
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export function globFiles(pattern: string): string[] {
  const absolute = pattern.startsWith("/");
  const segs = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  const out: string[] = [];
  const walk = (base: string, i: number): void => {
    if (i === segs.length) {
      out.push(base);
      return;
    }
    const seg = segs[i]!;
    const at = (name: string) => (base === "" ? name : base === "/" ? `/${name}` : join(base, name));
    if (seg === "**") {
      walk(base, i + 1);
      for (const n of children(base)) if (!n.startsWith(".") && isDir(at(n))) walk(at(n), i);
      return;
    }
    if (!/[*?]/.test(seg)) {
      const p = at(seg);
      if (i === segs.length - 1 ? true : isDir(p)) walk(p, i + 1);
      return;
    }
    const re = segmentRegex(seg);
    for (const n of children(base)) if (!n.startsWith(".") && re.test(n)) walk(at(n), i + 1);
  };
  walk(absolute ? "/" : "", absolute ? 1 : 0);
  return [...new Set(out)];
}
