(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const red = ["#b3141c", "#d9432f", "#ef7a4f", "#f5a86b", "#f8c98f", "#fbe3b8", "#9e9e9e"];
  const charts = [];
  function bar(id, rows, horizontal) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    const names = rows.map(r => r[0]);
    const values = rows.map(r => r[1]);
    const cat = { type: "category", data: names, axisLabel: { interval: 0, fontSize: 11 } };
    const val = { type: "value", minInterval: 1 };
    chart.setOption({
      color: red,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: horizontal ? val : Object.assign(cat, { axisLabel: { rotate: 30, interval: 0, fontSize: 11 } }),
      yAxis: horizontal ? Object.assign(cat, { inverse: true }) : val,
      series: [{ type: "bar", data: values, label: { show: true, position: horizontal ? "right" : "top" } }],
    });
    charts.push(chart);
  }
  function pie(id, rows) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption({
      color: red,
      tooltip: { trigger: "item", formatter: "{b}：{c}人（{d}%）" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "42%"], data: rows.map(r => ({ name: r[0], value: r[1] })), label: { formatter: "{d}%" } }],
    });
    charts.push(chart);
  }
  bar("chart-organization", data.organization, true);
  pie("chart-age", data.age);
  bar("chart-industry", data.industry, true);
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
