/**
 * The `fieldSelector` query parameter: `field=value`, `field==value`, `field!=value`, comma-separated, over
 * the fields each kind supports on a real server (an unsupported field is the server's 400).
 */
import { badRequest } from "./api-status.ts";

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

const SUPPORTED: Record<string, string[]> = {
  Event: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
  Pod: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
  Job: ["status.successful"],
  Secret: ["type"],
  Node: ["spec.unschedulable"],
  Namespace: ["status.phase"],
  ReplicaSet: ["status.replicas"],
};

export function parseFieldSelector(selector: string, kind: string): FieldRequirement[] {
  const allowed = ["metadata.name", "metadata.namespace", ...(SUPPORTED[kind] ?? [])];
  return selector
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "")
    .map((term) => {
      const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
      const field = m[1]!;
      if (!allowed.includes(field)) throw badRequest(`field label not supported: ${field}`);
      return { field, op: m[2] === "!=" ? "!=" : "=", value: m[3]! };
    });
}

function fieldValue(obj: Record<string, unknown>, field: string): string {
  if (field === "source") {
    const source = obj.source as { component?: string } | undefined;
    return source?.component ?? "";
  }
  let value: unknown = obj;
  for (const part of field.split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  if (field === "status.successful") return String(value ?? 0);
  if (field === "spec.unschedulable" || field === "spec.hostNetwork") return String(value ?? false);
  return value === undefined || value === null ? "" : String(value);
}

export function matchesFields(obj: Record<string, unknown>, requirements: readonly FieldRequirement[]): boolean {
  return requirements.every((req) => (fieldValue(obj, req.field) === req.value) === (req.op === "="));
}
