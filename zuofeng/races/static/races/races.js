// Race charts: the ranking bars of a board and the rank lines across seasons. Every figure
// comes from the page's JSON (#race-bars, #race-lines), computed on the server.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  var RED = "#c8102e", BLACK = "#333", PLAIN = "#8a9bb0";
  ready(function () {
    if (!window.echarts) return;
    var narrow = window.matchMedia("(max-width: 576px)").matches;
    var charts = [];
    var bars = document.getElementById("race-bars");
    var barEl = document.getElementById("chart-ranking");
    if (bars && barEl) {
      var d = JSON.parse(bars.textContent);
      if (d) {
        var names = d.names.slice().reverse(), totals = d.totals.slice().reverse(), marks = d.marks.slice().reverse();
        barEl.style.height = Math.max(280, names.length * 24 + 40) + "px";
        var chart = echarts.init(barEl, null, { renderer: "svg" });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          grid: { left: narrow ? 80 : 130, right: 48, top: 8, bottom: 24 },
          xAxis: { type: "value", max: d.max },
          yAxis: { type: "category", data: names, axisLabel: { width: narrow ? 72 : 120, overflow: "truncate" } },
          series: [{
            type: "bar",
            data: totals.map(function (v, i) {
              return { value: v, itemStyle: { color: marks[i] === "red" ? RED : marks[i] === "black" ? BLACK : PLAIN } };
            }),
            label: { show: true, position: "right" }
          }]
        });
        charts.push(chart);
      }
    }
    var lines = document.getElementById("race-lines");
    var lineEl = document.getElementById("chart-history");
    if (lines && lineEl) {
      var h = JSON.parse(lines.textContent);
      var chart2 = echarts.init(lineEl, null, { renderer: "svg" });
      chart2.setOption({
        animation: false,
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 40, right: 24, top: 16, bottom: 56 },
        xAxis: { type: "category", data: h.seasons },
        yAxis: { type: "value", inverse: true, min: 1, max: h.count, minInterval: 1, name: "" },
        series: h.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6 };
        })
      });
      charts.push(chart2);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
