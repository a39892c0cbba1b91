/**
 * A YAML report file (config.yaml) as inference-perf uploads it to a bucket: Python's `json.dumps` of the same
 * document (kubernetes-sigs/inference-perf client/filestorage/s3.py:77, gcs.py:52 dump every report as JSON).
 * A number the YAML writes with a fraction (`rate: 1.0`, yaml's Scalar.minFractionDigits) or that is not whole is
 * a Python float and keeps its `.0`; the others are ints.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import { pythonJsonDumps } from "../report/python-json.ts";

type Path = readonly (string | number)[];

/** The paths (joined by "\u0000") of the numbers written as floats. */
function floatPaths(node: unknown, path: (string | number)[], out: Set<string>): Set<string> {
  if (isMap(node)) {
    for (const pair of node.items) floatPaths(pair.value, [...path, String(isScalar(pair.key) ? pair.key.value : pair.key)], out);
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => floatPaths(item, [...path, i], out));
  } else if (isScalar(node) && typeof node.value === "number" && (!Number.isInteger(node.value) || (node.minFractionDigits ?? 0) > 0)) {
    out.add(path.join("\u0000"));
  }
  return out;
}

export function yamlAsPythonJson(text: string): string {
  const doc = parseDocument(text);
  const floats = floatPaths(doc.contents as Node | null, [], new Set());
  return pythonJsonDumps(doc.toJS(), { numberType: (path: Path) => (floats.has(path.join("\u0000")) ? "float" : "int") });
}
