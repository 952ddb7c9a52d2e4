(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const palette = ["#b3141c", "#d9432f", "#ef7a4f", "#f5a86b", "#f8c98f", "#c9a66b", "#9e9e9e"];
  const charts = [];

  function bar(id, rows) {
    const el = document.getElementById(id);
    if (!el) return;
    // One row per category, so long lists stay readable on a phone.
    el.style.height = Math.max(240, rows.length * 26 + 40) + "px";
    const chart = echarts.init(el);
    chart.setOption({
      color: palette,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 44, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      yAxis: {
        type: "category", inverse: true, data: rows.map(r => r[0]),
        axisLabel: { interval: 0, fontSize: 11, width: 110, overflow: "truncate" },
      },
      series: [{ type: "bar", data: rows.map(r => r[1]), barMaxWidth: 18, label: { show: true, position: "right" } }],
    });
    charts.push(chart);
  }

  function pie(id, rows) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption({
      color: palette,
      tooltip: { trigger: "item", formatter: data.tooltip || "{b}：{c}人（{d}%）" },
      series: [{
        type: "pie", radius: ["30%", "58%"], center: ["50%", "50%"],
        data: rows.filter(r => r[1] > 0).map(r => ({ name: r[0], value: r[1] })),
        label: { formatter: "{b}\n{d}%", fontSize: 11 },
        labelLine: { length: 8, length2: 6 },
      }],
    });
    charts.push(chart);
  }

  bar("chart-organization", data.organization);
  pie("chart-age", data.age);
  bar("chart-industry", data.industry);
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();

// The board's and secretaries' dashboard (reports/_dashboard.html): each chart has its table beside it.
(function () {
  const el = document.getElementById("dashboard-data");
  if (!el) return;
  const data = JSON.parse(el.textContent);
  const charts = [];
  function init(id, option, height) {
    const node = document.getElementById(id);
    if (!node) return;
    node.style.height = (height || 240) + "px";
    const chart = echarts.init(node);
    chart.setOption(option);
    charts.push(chart);
  }
  const red = ["#b3141c", "#ef7a4f", "#c9a66b"];
  init("chart-compliance", {
    color: red, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: data.compliance.map(r => r[0]), axisLabel: { width: 110, overflow: "truncate" } },
    series: [{ type: "bar", data: data.compliance.map(r => r[1]), barMaxWidth: 16, label: { show: true, position: "right", formatter: "{c}%" } }],
  }, Math.max(200, data.compliance.length * 22 + 40));
  const m = data.months;
  init("chart-months", {
    color: red, tooltip: { trigger: "axis" }, legend: { data: m.names, top: 0 },
    grid: { left: 8, right: 8, top: 30, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: m.labels },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1 }],
    series: [
      { name: m.names[0], type: "bar", data: m.held },
      { name: m.names[1], type: "line", yAxisIndex: 1, data: m.person_times },
      { name: m.names[2], type: "line", data: m.venues },
    ],
  }, 280);
  function pie(id, rows) {
    init(id, {
      color: red, tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["30%", "60%"], data: rows.filter(r => r[1] > 0).map(r => ({ name: r[0], value: r[1] })), label: { formatter: "{b}\n{d}%", fontSize: 11 } }],
    }, 200);
  }
  pie("chart-kinds", data.kinds);
  pie("chart-tiers", data.tiers);
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
