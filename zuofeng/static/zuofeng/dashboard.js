// Dashboard charts: every figure comes from the page's JSON (#dashboard-data), computed on the
// server from the records. Charts resize with the window and print as shown.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var node = document.getElementById("dashboard-data");
    if (!node || !window.echarts) return;
    var data = JSON.parse(node.textContent);
    var charts = [];
    var RED = "#c8102e";
    function make(id, option) {
      var el = document.getElementById(id);
      if (!el) return null;
      var chart = echarts.init(el, null, { renderer: "svg" });
      option.animation = false;
      chart.setOption(option);
      charts.push(chart);
      return chart;
    }
    var narrow = window.matchMedia("(max-width: 576px)").matches;

    make("chart-trend", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.trend.months },
      yAxis: { type: "value" },
      series: data.trend.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, smooth: false, symbolSize: 6 };
      })
    });

    var rows = data.bar.rows.slice().reverse();
    var bar = document.getElementById("chart-bar");
    if (bar) bar.style.height = Math.max(260, rows.length * 22 + 60) + "px";
    var barChart = make("chart-bar", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: narrow ? 90 : 140, right: 40, top: 10, bottom: 24 },
      xAxis: { type: "value", axisLabel: data.bar.unit === "%" ? { formatter: function (v) { return Math.round(v * 100) + "%"; } } : {} },
      yAxis: { type: "category", data: rows.map(function (r) { return r[0]; }), axisLabel: { width: narrow ? 80 : 130, overflow: "truncate" } },
      series: [{
        type: "bar", data: rows.map(function (r) { return r[2]; }), itemStyle: { color: RED },
        label: { show: !narrow, position: "right", formatter: function (p) { return data.bar.unit === "%" && p.value != null ? (p.value * 100).toFixed(1) + "%" : (p.value == null ? "—" : p.value); } }
      }]
    });
    if (barChart && bar) {
      barChart.on("click", function (p) {
        var row = rows[p.dataIndex];
        if (row) window.location.search = bar.getAttribute("data-scope-url").replace(/^\?/, "") + encodeURIComponent(row[1]);
      });
    }

    if (data.heatmap) {
      var h = data.heatmap;
      var max = 1;
      h.data.forEach(function (d) { if (d[2] > max) max = d[2]; });
      var heat = document.getElementById("chart-heatmap");
      if (heat) heat.style.height = Math.max(260, h.units.length * 20 + 110) + "px";
      make("chart-heatmap", {
        tooltip: { position: "top", formatter: function (p) { return h.units[p.value[1]] + " " + h.months[p.value[0]] + "：" + p.value[2]; } },
        grid: { left: narrow ? 90 : 140, right: 10, top: 10, bottom: 80 },
        xAxis: { type: "category", data: h.months, splitArea: { show: true } },
        yAxis: { type: "category", data: h.units, axisLabel: { width: narrow ? 80 : 130, overflow: "truncate" } },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 160, itemWidth: 12, inRange: { color: ["#f5f5f5", "#f8c4c4", RED] } },
        series: [{ type: "heatmap", data: h.data, label: { show: !narrow && h.months.length <= 12 } }]
      });
    }

    data.funnels.forEach(function (f, i) {
      make("chart-funnel-" + i, {
        tooltip: { trigger: "item" },
        series: [{
          type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "15%",
          label: { position: "inside", formatter: "{b} {c}" },
          data: f.data.map(function (d, j) { return { name: d[0], value: d[1], itemStyle: { opacity: 1 - j * 0.12, color: RED } }; })
        }]
      });
    });
    var COLOURS = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32", none: "#9e9e9e" };
    data.warnings.forEach(function (w, i) {
      make("chart-warning-" + i, {
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["35%", "65%"], label: { formatter: "{b} {c}" },
          data: w.data.map(function (d) { return { name: d[1], value: d[2], itemStyle: { color: COLOURS[d[0]] } }; })
        }]
      });
    });

    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
  });
})();
