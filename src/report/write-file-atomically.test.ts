import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomically } from "./write-file-atomically.ts";

describe("writeFileAtomically", () => {
  it("replaces the file whole and leaves no temp file, also for writes running at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-atomic-"));
    const path = join(dir, "a.json");
    writeFileSync(path, "old");
    await Promise.all([writeFileAtomically(path, "new-1"), writeFileAtomically(join(dir, "b.png"), new Uint8Array([1, 2]))]);
    expect(readFileSync(path, "utf8")).toBe("new-1");
    expect(readdirSync(dir).sort()).toEqual(["a.json", "b.png"]);
  });

  it("keeps the old file and removes the temp file when the rename fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-atomic-"));
    // A directory where the file should go: writing the temp works, renaming a file over a directory does not.
    const target = join(dir, "taken");
    await import("node:fs/promises").then((fs) => fs.mkdir(target));
    await expect(writeFileAtomically(target, "x")).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["taken"]);
  });
});
