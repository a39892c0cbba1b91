/**
 * The slice of Grafana's dashboard JSON model kneepoint writes (schemaVersion 39, Grafana 10.4+), and the layout
 * that turns sections of panel specs into rows and grid positions. Pure: no metric names live here.
 */

/** Every panel and query reads the `datasource` variable, never a fixed uid, so one file works in any Grafana. */
export const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

/** A panel before layout: what to draw, not where. */
export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  /** A Grafana unit id: "s", "reqps", "short", "percent", "percentunit", "mbytes", "watt", … */
  readonly unit: string;
  readonly min?: number;
  readonly max?: number;
  readonly axisLabel?: string;
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
}

export interface SectionSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface Target {
  datasource: typeof DATASOURCE;
  editorMode: "code";
  expr: string;
  legendFormat: string;
  range: true;
  refId: string;
}

export interface TimeseriesPanel {
  type: "timeseries";
  id: number;
  title: string;
  description: string;
  datasource: typeof DATASOURCE;
  gridPos: GridPos;
  fieldConfig: {
    defaults: { unit: string; min?: number; max?: number; custom: { axisLabel: string; fillOpacity: number; showPoints: "never" } };
    overrides: [];
  };
  options: {
    legend: { displayMode: "list"; placement: "bottom"; showLegend: true };
    tooltip: { mode: "multi"; sort: "desc" };
  };
  targets: Target[];
}

export interface RowPanel {
  type: "row";
  id: number;
  title: string;
  collapsed: false;
  gridPos: GridPos;
  panels: [];
}

export type Panel = TimeseriesPanel | RowPanel;

const GRID_WIDTH = 24;
const PANEL_HEIGHT = 8;

/** Target refIds A, B, C, … in query order. */
function refId(index: number): string {
  return String.fromCharCode("A".charCodeAt(0) + index);
}

function timeseriesPanel(spec: PanelSpec, id: number, gridPos: GridPos): TimeseriesPanel {
  const range = { ...(spec.min === undefined ? {} : { min: spec.min }), ...(spec.max === undefined ? {} : { max: spec.max }) };
  return {
    type: "timeseries",
    id,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: {
      defaults: { unit: spec.unit, ...range, custom: { axisLabel: spec.axisLabel ?? "", fillOpacity: 10, showPoints: "never" } },
      overrides: [],
    },
    options: {
      legend: { displayMode: "list", placement: "bottom", showLegend: true },
      tooltip: { mode: "multi", sort: "desc" },
    },
    targets: spec.queries.map((q, i) => ({
      datasource: DATASOURCE,
      editorMode: "code",
      expr: q.expr,
      legendFormat: q.legend,
      range: true,
      refId: refId(i),
    })),
  };
}

/** Two panels share a line at half width; otherwise three per line at a third. */
function panelsPerLine(count: number): number {
  return count % 2 === 0 && count % 3 !== 0 ? 2 : 3;
}

/**
 * One expanded row per section, its panels below it left to right; ids are 1, 2, 3, … in reading order, so an
 * added panel renumbers only those after it.
 */
export function layoutSections(sections: readonly SectionSpec[]): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  for (const section of sections) {
    panels.push({ type: "row", id: panels.length + 1, title: section.title, collapsed: false, gridPos: { h: 1, w: GRID_WIDTH, x: 0, y }, panels: [] });
    y += 1;
    const perLine = panelsPerLine(section.panels.length);
    const width = GRID_WIDTH / perLine;
    section.panels.forEach((spec, i) => {
      const gridPos = { h: PANEL_HEIGHT, w: width, x: (i % perLine) * width, y: y + Math.floor(i / perLine) * PANEL_HEIGHT };
      panels.push(timeseriesPanel(spec, panels.length + 1, gridPos));
    });
    y += Math.ceil(section.panels.length / perLine) * PANEL_HEIGHT;
  }
  return panels;
}
