/**
 * PyYAML's `yaml.dump(doc, f, sort_keys=False, default_flow_style=False)` (what inference-perf 0.7.0's local
 * storage writes a `file_type="yaml"` report with: client/filestorage/local.py) for a document of nested mappings
 * and scalars, byte for byte:
 *  - block mappings indented by 2, keys in insertion order, an empty mapping as `{}`;
 *  - ints as digits, floats as PyYAML's `represent_float`: Python's repr lower-cased, `.0` put before an exponent
 *    that has no dot (`1.0e-05`, `1.0e+16`), `.nan`, `.inf`, `-.inf`; `null`, `true`, `false`;
 *  - a string plain when PyYAML's YAML 1.1 resolver would read it back as a string (`0.2.1`, `s/token`,
 *    `PT3.062S`), else single-quoted (`'2025-11-24T16:00:00Z'`, a timestamp; `'1.5'`; `'yes'`).
 * Limits (documents kneepoint writes have none of these): lists are refused; a string with characters outside
 * `[A-Za-z0-9._/+-]`, or not starting with a letter or digit, is single-quoted where PyYAML may write some of them
 * plain; a string with a non-printable character is double-quoted as JSON; long strings are not folded at 80
 * columns (PyYAML folds only at spaces). Pure.
 */
import { defaultNumberType, pythonFloatRepr, pythonJsonString, type NumberTypeOf } from "./python-json.ts";

// PyYAML's implicit resolvers (yaml/resolver.py) for the characters a plain-candidate string can hold here.
const IMPLICIT_NON_STRING = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/,
];
const PLAIN_CANDIDATE = /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/;
const PRINTABLE_ASCII = /^[ -~]*$/;

export function pythonYamlString(s: string): string {
  if (PLAIN_CANDIDATE.test(s) && !IMPLICIT_NON_STRING.some((re) => re.test(s))) return s;
  if (PRINTABLE_ASCII.test(s)) return `'${s.replace(/'/g, "''")}'`;
  return pythonJsonString(s);
}

/** PyYAML `represent_float`. */
export function pythonYamlFloat(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  const repr = pythonFloatRepr(x).toLowerCase();
  return !repr.includes(".") && repr.includes("e") ? repr.replace("e", ".0e") : repr;
}

type Path = (string | number)[];

function scalar(v: unknown, path: Path, numberType: NumberTypeOf): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return numberType(path, v) === "int" && Number.isInteger(v) ? BigInt(v).toString() : pythonYamlFloat(v);
  if (typeof v === "string") return pythonYamlString(v);
  throw new TypeError(`python-yaml: cannot write ${Array.isArray(v) ? "a list" : typeof v} at ${path.join(".")}`);
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function mapping(obj: Record<string, unknown>, depth: number, path: Path, numberType: NumberTypeOf): string {
  const pad = "  ".repeat(depth);
  let out = "";
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    path.push(key);
    const k = pythonYamlString(key);
    if (isMapping(value) && Object.values(value).some((x) => x !== undefined)) {
      out += `${pad}${k}:\n${mapping(value, depth + 1, path, numberType)}`;
    } else {
      out += `${pad}${k}: ${isMapping(value) ? "{}" : scalar(value, path, numberType)}\n`;
    }
    path.pop();
  }
  return out;
}

/** `yaml.dump(doc, sort_keys=False, default_flow_style=False)` of a mapping. Default: whole numbers are ints. */
export function pythonYamlDump(doc: Record<string, unknown>, numberType: NumberTypeOf = defaultNumberType): string {
  const text = mapping(doc, 0, [], numberType);
  return text === "" ? "{}\n" : text;
}
