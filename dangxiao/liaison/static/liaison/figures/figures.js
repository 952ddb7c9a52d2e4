(function () {
  const data = JSON.parse(document.getElementById("figures-data").textContent);
  const palette = ["#b3141c", "#ef7a4f", "#9e9e9e"];
  const charts = [];

  const months = document.getElementById("chart-months");
  if (months) {
    const chart = echarts.init(months);
    chart.setOption({
      color: ["#9e9e9e", "#b3141c"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.reported_label, type: "line", data: data.reported, smooth: true },
        { name: data.resolved_label, type: "bar", data: data.resolved, barMaxWidth: 18 },
      ],
    });
    charts.push(chart);
  }

  const categories = document.getElementById("chart-categories");
  if (categories) {
    const rows = data.categories;
    categories.style.height = Math.max(240, rows.length * 28 + 60) + "px";
    const chart = echarts.init(categories);
    chart.setOption({
      color: palette,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(r => r[0]), axisLabel: { interval: 0, fontSize: 11 } },
      series: data.type_labels.map((name, i) => ({
        name: name, type: "bar", stack: "state", barMaxWidth: 18, data: rows.map(r => r[i + 1]),
      })),
    });
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
