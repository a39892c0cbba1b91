import { describe, expect, it } from "vitest";
import { LABEL, OBJECT_KINDS, objectMeta } from "./manifest-names.ts";

describe("objectMeta", () => {
  it("names and labels the model server as the bench Job's podAffinity expects", () => {
    expect(objectMeta("model-server")).toEqual({
      name: "vllm",
      labels: {
        "app.kubernetes.io/name": "vllm",
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/part-of": "kneepoint",
        "app.kubernetes.io/managed-by": "kneepoint",
      },
      selector: {
        "app.kubernetes.io/name": "vllm",
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/part-of": "kneepoint",
      },
    });
  });

  it("keeps the seed's app name for the bench pod (kubectl get pod -l app.kubernetes.io/name=vllm-bench)", () => {
    expect(objectMeta("bench-job").labels[LABEL.name]).toBe("vllm-bench");
  });

  it("adds the run id as a label, never to the selector", () => {
    const meta = objectMeta("bench-job", "20260101-120000-ab12");
    expect(meta.labels[LABEL.runId]).toBe("20260101-120000-ab12");
    expect(meta.selector[LABEL.runId]).toBeUndefined();
    expect(objectMeta("bench-job").labels[LABEL.runId]).toBeUndefined();
  });

  it("refuses a run id that is not a valid label value", () => {
    expect(() => objectMeta("bench-job", "x".repeat(64))).toThrow(/not a valid Kubernetes label value/);
    expect(() => objectMeta("bench-job", "run/1")).toThrow(/not a valid/);
    expect(() => objectMeta("bench-job", "-1")).toThrow(/not a valid/);
  });

  it("every kind has a DNS-1123 name, part-of kneepoint, and a selector that is a subset of its labels", () => {
    for (const kind of OBJECT_KINDS) {
      const { name, labels, selector } = objectMeta(kind);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
      expect(labels[LABEL.partOf]).toBe("kneepoint");
      expect(labels).toMatchObject(selector);
    }
  });

  it("returns fresh objects, so a caller's patch cannot leak into the next call", () => {
    objectMeta("bench-job").labels.extra = "x";
    expect(objectMeta("bench-job").labels.extra).toBeUndefined();
  });
});
