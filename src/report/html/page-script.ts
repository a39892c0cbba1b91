/**
 * The report page's own script (after the inlined vega runtime): one vega View per chart, drawn as SVG from
 * the Vega spec embedded beside it, with a tooltip handler (a positioned div, filled with textContent, so a
 * value cannot become markup). `window.kneepointCharts` resolves when every chart has run (the browser test
 * waits on it); a chart that fails says so in its place and in the console.
 */
export const PAGE_SCRIPT = `
(function () {
  "use strict";
  var tip = document.createElement("div");
  tip.className = "kp-tooltip";
  tip.id = "kp-tooltip";
  tip.hidden = true;
  document.body.appendChild(tip);

  function format(v) {
    if (v === null || v === undefined) return "–";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  function showTooltip(handler, event, item, value) {
    if (value === null || value === undefined || value === "") { tip.hidden = true; return; }
    tip.textContent = "";
    if (typeof value === "object" && !Array.isArray(value)) {
      var table = document.createElement("table");
      Object.keys(value).forEach(function (key) {
        var row = table.insertRow();
        var th = document.createElement("th");
        th.textContent = key;
        row.appendChild(th);
        row.insertCell().textContent = format(value[key]);
      });
      tip.appendChild(table);
    } else {
      tip.textContent = format(value);
    }
    tip.hidden = false;
    var x = event.clientX + 14, y = event.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 4) x = Math.max(4, event.clientX - w - 14);
    if (y + h > window.innerHeight - 4) y = Math.max(4, event.clientY - h - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  var views = [];
  var runs = [];
  document.querySelectorAll("script[data-chart]").forEach(function (source) {
    var el = document.getElementById(source.getAttribute("data-chart"));
    try {
      var view = new vega.View(vega.parse(JSON.parse(source.textContent)), {
        renderer: "svg", container: el, hover: true, tooltip: showTooltip,
      });
      views.push(view);
      runs.push(view.runAsync().catch(function (err) { fail(el, err); }));
    } catch (err) {
      fail(el, err);
    }
  });
  function fail(el, err) {
    el.className += " chart-error";
    el.textContent = "This chart could not be drawn: " + (err && err.message ? err.message : String(err));
    console.error(err);
  }
  window.kneepointViews = views;
  window.kneepointCharts = Promise.all(runs).then(function () { return views.length; });
})();
`;
