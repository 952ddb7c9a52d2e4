// The lobby screen's chart, drawn again after each refresh of its fragment (htmx, every 30 s).
(function () {
  let chart = null;
  function draw() {
    const node = document.getElementById("lobby-chart-months");
    const data = document.getElementById("lobby-months");
    if (!node || !data) return;
    const months = JSON.parse(data.textContent);
    if (chart) chart.dispose();
    chart = echarts.init(node, "dark", { renderer: "canvas" });
    chart.setOption({
      backgroundColor: "transparent",
      color: ["#ff5a4f", "#ffd36b"],
      textStyle: { fontSize: 16 },
      // Which series is which, named by the page in the reader's language (bars: sessions, line: trainees).
      legend: { top: 0, textStyle: { fontSize: 16 } },
      grid: { left: 8, right: 8, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: months.map(m => String(m[0])), axisLabel: { fontSize: 16 } },
      yAxis: [{ type: "value", minInterval: 1, axisLabel: { fontSize: 14 } }, { type: "value", minInterval: 1, axisLabel: { fontSize: 14 } }],
      series: [
        { type: "bar", name: node.dataset.barName, data: months.map(m => m[1]), barMaxWidth: 28 },
        { type: "line", name: node.dataset.lineName, yAxisIndex: 1, data: months.map(m => m[2]), lineStyle: { width: 4 }, symbolSize: 10 },
      ],
    });
  }
  draw();
  document.body.addEventListener("htmx:afterSwap", draw);
  window.addEventListener("resize", () => chart && chart.resize());
})();
