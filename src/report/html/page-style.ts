/** The report page's stylesheet: system fonts only (nothing to fetch), readable tables, charts that scroll sideways on a narrow screen. */
export const PAGE_STYLE = `
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #e3e3e3; --band: #f7f7f8; --hi: #fff4e5; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-top: 8px; border-top: 1px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 16px; }
nav ol { margin: 8px 0 0; padding-left: 20px; columns: 2; color: var(--muted); }
nav a { color: inherit; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
details.context { background: var(--band); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; }
details.context summary { cursor: pointer; font-weight: 600; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { background: var(--band); position: sticky; top: 0; font-weight: 600; }
td.l, th.l { text-align: left; } td.r, th.r { text-align: right; }
tr.hi td { background: var(--hi); font-weight: 600; }
.notes { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
.verdict { border-left: 5px solid #8a8a8a; background: var(--band); border-radius: 4px; padding: 10px 16px; }
.verdict.ok { border-color: #2e7d32; } .verdict.warn { border-color: #ef8f00; } .verdict.bad { border-color: #c62828; }
.verdict .headline { font-size: 16px; font-weight: 600; margin: 0 0 6px; }
.verdict ul { margin: 6px 0 0; padding-left: 20px; }
figure { margin: 0; overflow-x: auto; }
.chart { min-height: 120px; }
.chart-error { color: #c62828; }
figcaption { color: var(--muted); font-size: 13px; }
.hint { color: var(--muted); font-size: 12px; margin: 2px 0 6px; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; border-top: 1px solid var(--line); padding-top: 8px; }
.kp-tooltip { position: fixed; z-index: 10; pointer-events: none; background: rgba(255,255,255,0.97); border: 1px solid #bbb; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,0.15); padding: 6px 8px; font-size: 12px; max-width: 420px; }
.kp-tooltip table { border: 0; } .kp-tooltip th, .kp-tooltip td { border: 0; padding: 1px 6px 1px 0; background: none; position: static; }
.kp-tooltip th { color: var(--muted); font-weight: normal; text-align: left; } .kp-tooltip td { font-weight: 600; text-align: right; }
@media print { nav, .hint { display: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
`;
