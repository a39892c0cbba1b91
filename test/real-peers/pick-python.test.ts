import { describe, expect, it } from "vitest";
import { pickPython, type Python } from "./pick-python.ts";

const py = (path: string, ...version: [number, number, number]): Python => ({ path, version });
const installed = [py("/usr/bin/python3", 3, 11, 2), py("/pyenv/3.13.0", 3, 13, 0), py("/pyenv/3.12.1", 3, 12, 1), py("/pyenv/3.12.7", 3, 12, 7), py("/pyenv/3.9", 3, 9, 18)];

describe("pickPython", () => {
  it("takes the oldest minor that satisfies Requires-Python, newest patch of it", () => {
    expect(pickPython(installed, [3, 12])?.path).toBe("/pyenv/3.12.7");
    expect(pickPython(installed, [3, 11])?.path).toBe("/usr/bin/python3");
    expect(pickPython(installed, [3, 10])?.path).toBe("/usr/bin/python3");
  });
  it("finds none when every interpreter is too old", () => {
    expect(pickPython(installed, [3, 14])).toBeUndefined();
    expect(pickPython([], [3, 9])).toBeUndefined();
  });
});
