/**
 * The API server's metav1.Status failures, with the real reasons, codes and message wordings
 * (k8s.io/apimachinery/pkg/api/errors). `details.kind` is the resource (plural), as the server sets it.
 */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}

/** A failure the request handler turns into a Status response. */
export class ApiStatusError extends Error {
  readonly body: StatusBody;
  constructor(body: StatusBody) {
    super(body.message);
    this.body = body;
    this.name = "ApiStatusError";
  }
  get code(): number {
    return this.body.code;
  }
}

/** What a resource is called in messages: `jobs.batch`, or `pods` for the core group. */
export interface QualifiedResource {
  group: string;
  plural: string;
}

export function qualifiedName(r: QualifiedResource): string {
  return r.group === "" ? r.plural : `${r.plural}.${r.group}`;
}

function details(r: QualifiedResource | undefined, name: string | undefined, extra: Partial<NonNullable<StatusBody["details"]>> = {}) {
  const d: NonNullable<StatusBody["details"]> = {};
  if (name !== undefined && name !== "") d.name = name;
  if (r && r.group !== "") d.group = r.group;
  if (r) d.kind = r.plural;
  return { ...d, ...extra };
}

function failure(code: number, reason: string | undefined, message: string, d?: StatusBody["details"]): ApiStatusError {
  const body: StatusBody = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code };
  if (reason !== undefined) body.reason = reason;
  if (d !== undefined && Object.keys(d).length > 0) body.details = d;
  // Key order as the server writes it: reason and details before code.
  const { code: c, ...rest } = body;
  return new ApiStatusError({ ...rest, code: c } as StatusBody);
}

export function notFound(r: QualifiedResource, name: string): ApiStatusError {
  return failure(404, "NotFound", `${qualifiedName(r)} "${name}" not found`, details(r, name));
}

export function alreadyExists(r: QualifiedResource, name: string): ApiStatusError {
  return failure(409, "AlreadyExists", `${qualifiedName(r)} "${name}" already exists`, details(r, name));
}

export function conflict(r: QualifiedResource, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): ApiStatusError {
  return failure(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedName(r)} "${name}": ${why}`, details(r, name));
}

/** 422: `Job.batch "x" is invalid: field: message` (one cause) or `[a, b]` (several). */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiStatusError {
  const qualifiedKind = group === "" ? kind : `${kind}.${group}`;
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? parts[0]! : `[${parts.join(", ")}]`;
  const d: NonNullable<StatusBody["details"]> = { name };
  if (group !== "") d.group = group;
  d.kind = kind;
  d.causes = causes;
  return failure(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${list}`, d);
}

/** 422 without a named object (a JSON patch that does not apply). */
export function unprocessable(message: string): ApiStatusError {
  return failure(422, "Invalid", message);
}

export function badRequest(message: string): ApiStatusError {
  return failure(400, "BadRequest", message);
}

export function unauthorized(): ApiStatusError {
  return failure(401, "Unauthorized", "Unauthorized");
}

/** 403 in the RBAC authorizer's words. */
export function forbidden(r: QualifiedResource & { subresource?: string }, name: string | undefined, reason: string): ApiStatusError {
  const what = name ? `${qualifiedName(r)} "${name}"` : qualifiedName(r);
  return failure(403, "Forbidden", `${what} is forbidden: ${reason}`, details(r, name));
}

export function methodNotAllowed(): ApiStatusError {
  return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

/** 404 for a path the server does not serve (an uninstalled CRD's group, an unknown resource). */
export function pathNotFound(): ApiStatusError {
  return failure(404, "NotFound", "the server could not find the requested resource");
}

export function serviceUnavailable(message: string): ApiStatusError {
  return failure(503, "ServiceUnavailable", message);
}

/** The watch ERROR event's object for a resourceVersion older than the kept history. */
export function expired(message: string): StatusBody {
  return failure(410, "Expired", message).body;
}

export function requestEntityTooLarge(limitBytes: number): ApiStatusError {
  return failure(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limitBytes}`);
}

export function forbiddenMessage(message: string, r?: QualifiedResource, name?: string): ApiStatusError {
  return failure(403, "Forbidden", message, r ? details(r, name) : undefined);
}
