/**
 * RBAC as the API server's authorizer applies it: a request (verb, API group, resource[/subresource],
 * namespace, name) is allowed when one rule of the given Roles/ClusterRoles matches it. A Role with a
 * metadata.namespace grants only there; one without (as in benchmarks/rbac.yaml, applied with -n) grants
 * in every namespace but not at the cluster scope. The refusal is worded as the real 403.
 */
import { forbidden, type ApiStatusError } from "./api-status.ts";

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RoleObject {
  kind: string;
  metadata?: { name?: string; namespace?: string };
  rules?: PolicyRule[];
}

export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

function matches(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === "*" || x === value);
}

function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceOk = (rule.resources ?? []).some((r) => r === "*" || r === resource || (a.subresource !== undefined && r === `*/${a.subresource}`));
  const namesOk = !rule.resourceNames || rule.resourceNames.length === 0 || (a.name !== undefined && rule.resourceNames.includes(a.name));
  return matches(rule.verbs, a.verb) && matches(rule.apiGroups, a.group) && resourceOk && namesOk;
}

export function isAllowed(roles: readonly RoleObject[], a: RequestAttributes): boolean {
  return roles.some((role) => {
    if (role.kind === "Role") {
      if (a.namespace === undefined) return false;
      if (role.metadata?.namespace !== undefined && role.metadata.namespace !== a.namespace) return false;
    } else if (role.kind !== "ClusterRole") return false;
    return (role.rules ?? []).some((rule) => ruleAllows(rule, a));
  });
}

export function forbiddenFor(user: string, a: RequestAttributes): ApiStatusError {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace === undefined ? "at the cluster scope" : `in the namespace "${a.namespace}"`;
  const reason = `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
  return forbidden({ group: a.group, plural: a.resource }, a.name, reason);
}
