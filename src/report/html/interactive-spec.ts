/**
 * The interactivity of a chart in the HTML report, added to the Vega-Lite spec the PNG is drawn from (so both
 * show the same data and look): a tooltip with the values of every point and bar (lines get an invisible
 * layer of their points whose nearest one to the pointer lights up and shows its values, vega-lite's
 * voronoi "nearest" selection), a click on a colour legend entry toggles that series (the others fade;
 * a second click takes it back out), and with `zoom` drag-to-pan and wheel-to-zoom on x (scale-bound
 * interval) with every mark but text clipped to the plot (text outside the zoomed x range hides). Pure:
 * returns a new spec.
 */
import type { TopLevelSpec } from "vega-lite";

type Json = Record<string, unknown>;

export interface InteractiveOptions {
  /** Pan and zoom on x (time charts). */
  zoom?: boolean;
}

const SERIES_CHANNELS = ["color", "strokeDash", "shape", "detail"] as const;
const POSITION_CHANNELS = ["x", "x2", "y", "y2"] as const;
/** Marks drawn per point: the tooltip goes on the mark itself. */
const POINT_MARKS = new Set(["point", "circle", "square", "bar", "tick", "arc"]);
/** Marks drawn as one path per series: the tooltip goes on a nearest-point layer beside them. */
const PATH_MARKS = new Set(["line", "area", "trail"]);
/** Opacity of the series a legend selection leaves out. */
export const FADED_OPACITY = 0.12;
/** Significant digits in a tooltip: 123456 → 123,456; 0.0123456 → 0.0123456; 2187.456 → 2,187.46. */
const NUMBER_FORMAT = ",.6~r";

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isUnit = (node: Json): boolean => "mark" in node;
const markType = (unit: Json): string => (isObject(unit.mark) ? String(unit.mark.type) : String(unit.mark));
const encodingOf = (unit: Json): Json => (isObject(unit.encoding) ? unit.encoding : {});

function fieldDefs(def: unknown): Json[] {
  const defs = Array.isArray(def) ? def : [def];
  return defs.filter((d): d is Json => isObject(d) && typeof d.field === "string");
}

/** A field's title as its axis or legend shows it, else the field's name. */
function titleOf(def: Json): string {
  if (typeof def.title === "string") return def.title;
  for (const guide of [def.axis, def.legend]) if (isObject(guide) && typeof guide.title === "string") return guide.title;
  return def.field as string;
}

/** The tooltip of a unit: the series fields, then the positions, each titled as its axis or legend is. */
export function tooltipFields(encoding: Json): Json[] {
  const seen = new Set<string>();
  const out: Json[] = [];
  for (const channel of [...SERIES_CHANNELS, ...POSITION_CHANNELS]) {
    for (const def of fieldDefs(encoding[channel])) {
      const field = def.field as string;
      if (seen.has(field)) continue;
      seen.add(field);
      const type = typeof def.type === "string" ? def.type : "nominal";
      out.push({ field, type, title: titleOf(def), ...(type === "quantitative" ? { format: NUMBER_FORMAT } : {}) });
    }
  }
  return out;
}

function withMarkProps(unit: Json, props: Json): void {
  unit.mark = { ...(isObject(unit.mark) ? unit.mark : { type: unit.mark }), ...props };
}

function addParam(unit: Json, param: Json): void {
  unit.params = [...(Array.isArray(unit.params) ? unit.params : []), param];
}

interface Walk {
  units: Json[];
  /** The units of each separately scaled view (a top-level layer or unit, or a concat child). */
  views: Json[][];
  hovers: number;
}

function hoverLayer(unit: Json, name: string, tooltip: Json[]): Json {
  const enc = encodingOf(unit);
  return {
    ...(unit.data !== undefined ? { data: unit.data } : {}),
    ...(unit.transform !== undefined ? { transform: unit.transform } : {}),
    params: [{ name, select: { type: "point", on: "pointerover", nearest: true, clear: "pointerout" } }],
    mark: { type: "point", filled: true, size: 90, stroke: "white", strokeWidth: 1 },
    encoding: {
      x: enc.x,
      y: enc.y,
      ...(enc.color !== undefined ? { color: enc.color } : {}),
      tooltip,
      opacity: { condition: { param: name, value: 1, empty: false }, value: 0 },
    },
  };
}

/** Visits a layer's children (adding a hover layer after each line), concats' children and facets' specs. */
function walk(node: Json, state: Walk, view: Json[]): void {
  if (Array.isArray(node.layer)) {
    const children: Json[] = [];
    for (const child of node.layer as unknown[]) {
      if (!isObject(child)) continue;
      children.push(child);
      if (!isUnit(child)) {
        walk(child, state, view);
        continue;
      }
      state.units.push(child);
      view.push(child);
      const enc = encodingOf(child);
      const tooltip = tooltipFields(enc);
      if (enc.tooltip !== undefined || tooltip.length === 0) continue;
      if (POINT_MARKS.has(markType(child))) child.encoding = { ...enc, tooltip };
      else if (PATH_MARKS.has(markType(child)) && isObject(enc.x) && isObject(enc.y)) {
        const hover = hoverLayer(child, `hover_${state.hovers++}`, tooltip);
        children.push(hover);
        state.units.push(hover);
        view.push(hover);
      }
    }
    node.layer = children;
  }
  for (const key of ["hconcat", "vconcat", "concat"] as const) {
    if (!Array.isArray(node[key])) continue;
    for (const child of node[key] as unknown[]) {
      if (!isObject(child)) continue;
      const childView: Json[] = [];
      state.views.push(childView);
      walk(isUnit(child) ? asLayer(child) : child, state, childView);
    }
  }
  if (isObject(node.spec)) walk(node.spec, state, view);
}

/** A unit as a one-layer layer, so a hover layer can go beside it (size and title stay on the outside). */
function asLayer(unit: Json): Json {
  const outer = ["$schema", "title", "width", "height", "data", "config", "description", "padding", "autosize", "background", "datasets", "name"];
  const inner: Json = {};
  for (const [k, v] of Object.entries(unit)) if (!outer.includes(k)) inner[k] = v;
  for (const k of Object.keys(inner)) delete unit[k];
  unit.layer = [inner];
  return unit;
}

/** One legend-bound selection per colour field, defined in the first line or point unit coloured by it; every unit coloured by it fades when it is left out. */
function addLegendToggles(units: readonly Json[]): void {
  const defined = new Set<string>();
  const byPreference = [...units].sort((a, b) => rank(a) - rank(b));
  for (const unit of byPreference) {
    const color = encodingOf(unit).color;
    if (!isObject(color) || typeof color.field !== "string" || color.legend === null || defined.has(color.field)) continue;
    defined.add(color.field);
    addParam(unit, { name: legendParamName(color.field), select: { type: "point", fields: [color.field], toggle: "true", clear: false }, bind: "legend" });
  }
  for (const unit of units) {
    const enc = encodingOf(unit);
    const color = enc.color;
    if (!isObject(color) || typeof color.field !== "string" || !defined.has(color.field) || enc.opacity !== undefined) continue;
    unit.encoding = { ...enc, opacity: { condition: { param: legendParamName(color.field), value: 1 }, value: FADED_OPACITY } };
  }
}

const rank = (unit: Json): number => (PATH_MARKS.has(markType(unit)) ? 0 : POINT_MARKS.has(markType(unit)) ? 1 : 2);

export const legendParamName = (field: string): string => `legend_${field.replace(/[^A-Za-z0-9_]/g, "_")}`;

/**
 * A label above the plot (a step band's "c=8") would be clipped with the plot's marks (vega-lite clips every
 * mark of a view whose scale an interval is bound to): it stays unclipped, and is hidden while its x is
 * outside the zoomed domain. The x scale is named "x" in both zoomable shapes (one layer; a concat whose x
 * scale is shared).
 */
function showInsideXOnly(unit: Json): void {
  const enc = encodingOf(unit);
  const x = enc.x;
  if (!isObject(x) || typeof x.field !== "string" || enc.opacity !== undefined) return;
  withMarkProps(unit, { clip: false });
  unit.encoding = { ...enc, opacity: { condition: { test: `inrange(datum[${JSON.stringify(x.field)}], domain('x'))`, value: 1 }, value: 0 } };
}

/**
 * Pan/zoom on x: one interval bound to the x scale, in the first unit of each view with a quantitative x
 * field (a top-level parameter listing those units, so a concat's panels, sharing their x scale, zoom together
 * wherever the wheel turns); marks other than text are clipped to the plot.
 */
function addZoom(root: Json, views: readonly Json[][]): void {
  const hosts: Json[] = [];
  for (const units of views) {
    const host = units.find((u) => {
      const x = encodingOf(u).x;
      return isObject(x) && typeof x.field === "string" && x.type === "quantitative";
    });
    if (!host) continue;
    hosts.push(host);
    for (const u of units) {
      if (markType(u) === "text") showInsideXOnly(u);
      else withMarkProps(u, { clip: true });
    }
  }
  const zoom = { name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" };
  // One view: the parameter on its unit (a top-level one there leaves a legend parameter undefined, vega-lite 6.1).
  if (hosts.length === 1) addParam(hosts[0]!, zoom);
  if (hosts.length < 2) return;
  hosts.forEach((h, i) => (h.name ??= `zoom_view_${i}`));
  root.params = [...(Array.isArray(root.params) ? root.params : []), { ...zoom, views: hosts.map((h) => String(h.name)) }];
  const resolve = isObject(root.resolve) ? root.resolve : {};
  root.resolve = { ...resolve, scale: { ...(isObject(resolve.scale) ? resolve.scale : {}), x: "shared" } };
}

export function interactiveSpec(spec: TopLevelSpec, opts: InteractiveOptions = {}): TopLevelSpec {
  const root = structuredClone(spec) as unknown as Json;
  const state: Walk = { units: [], views: [], hovers: 0 };
  const rootView: Json[] = [];
  state.views.push(rootView);
  walk(isUnit(root) ? asLayer(root) : root, state, rootView);
  addLegendToggles(state.units);
  if (opts.zoom) addZoom(root, state.views.filter((v) => v.length > 0));
  return root as unknown as TopLevelSpec;
}
