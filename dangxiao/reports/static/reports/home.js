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
