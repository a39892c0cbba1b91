import { describe, expect, it } from "vitest";
import { defaultSplitFiles, hubTraceDataset } from "./otel-hub-traces.ts";

describe("hf_dataset_path", () => {
  it("a string is the dataset id, split train; a dict names split, config, revision, data_dir", () => {
    expect(hubTraceDataset("o/d")).toMatchObject({ repo: { type: "dataset", id: "o/d" }, split: "train", config: "default", revision: "main", dataFiles: null, dataDir: null });
    expect(hubTraceDataset({ path: "o/d", split: "test", name: "c", revision: "v1", data_dir: "/x/", data_files: { test: ["a/*.jsonl"] } })).toMatchObject({ split: "test", config: "c", revision: "v1", dataDir: "x", dataFiles: ["a/*.jsonl"] });
    expect(hubTraceDataset({ path: "o/d", filter: "lambda x: True" }).warnings[0]).toMatch(/hf_dataset_path\.filter is ignored/);
  });

  it("refuses what load_dataset would take but kneepoint does not, by name", () => {
    expect(() => hubTraceDataset({ split: "train" })).toThrow(/hf_dataset_path\.path: is required/);
    expect(() => hubTraceDataset({ path: "o/d", streaming: true })).toThrow(/hf_dataset_path: streaming not supported by kneepoint/);
    expect(() => hubTraceDataset({ path: "o/d", split: 3 })).toThrow(/hf_dataset_path\.split: must be a string/);
    expect(() => hubTraceDataset({ path: "o/d", data_files: { test: "x" } })).toThrow(/data_files: .* with the split train/);
  });

  it("datasets' default layout: split folders first, then split file names, else everything is train", () => {
    expect(defaultSplitFiles(["README.md", "data/train.jsonl", "data/test.jsonl"], "train")).toEqual(["data/train.jsonl"]);
    expect(defaultSplitFiles(["train/a.jsonl", "test/b.jsonl", "otel-train.jsonl"], "train")).toEqual(["train/a.jsonl"]);
    expect(defaultSplitFiles(["otel-train.jsonl", "otel-eval.jsonl", "x.jsonl"], "test")).toEqual(["otel-eval.jsonl"]);
    expect(defaultSplitFiles(["data/train-00000-of-00002.jsonl", "data/train-00001-of-00002.jsonl"], "train")).toHaveLength(2);
    // "constraint.jsonl" holds "train" but not as a word: no split named, all files are train
    expect(defaultSplitFiles(["constraint.jsonl", "b.json", ".hidden/c.jsonl", "README.md"], "train")).toEqual(["constraint.jsonl", "b.json"]);
    expect(defaultSplitFiles(["data/train.jsonl"], "validation")).toBeNull();
    expect(defaultSplitFiles(["a.jsonl"], "test")).toBeNull();
  });
});
