/* Dashboard charts (ECharts, served by the platform). No inline script: each chart is a
   <div data-chart="ID"> whose data is the JSON of <script type="application/json" id="ID">
   (Django's json_script). Clicking a bar opens the list of the projects behind it. */
(function () {
  "use strict";
  var PALETTE = ["#2f6fb0", "#2e9e6b", "#d08a1e", "#b42318", "#6b7785", "#1b8a8a", "#7a4fb0", "#9aa5b1",
                 "#c2410c", "#0f766e", "#475569", "#a16207", "#be123c"];

  function render(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    if (!spec.categories || spec.categories.length === 0) { el.hidden = true; return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var many = spec.categories.length > 5;
    chart.setOption({
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories,
               axisLabel: { interval: 0, rotate: many ? 30 : 0, width: 120, overflow: "truncate" } },
      yAxis: { type: "value", name: spec.unit || "", minInterval: spec.unit === "万元" ? 0 : 1 },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: spec.stacked ? "total" : undefined, data: s.data,
                 cursor: s.links ? "pointer" : "default", emphasis: { focus: "series" } };
      })
    });
    chart.on("click", function (params) {
      var series = spec.series[params.seriesIndex];
      var link = series && series.links && series.links[params.dataIndex];
      if (link) { window.location.href = link; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    if (!window.echarts) { return; }
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) { render(charts[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
