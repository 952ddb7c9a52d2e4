(function () {
  const data = JSON.parse(document.getElementById("network-data").textContent);
  const el = document.getElementById("network-chart");
  const leaves = data.children.reduce((n, c) => n + c.children.length, 0);
  el.style.height = Math.max(420, leaves * 24) + "px";
  const chart = echarts.init(el);
  data.children.forEach(tier => tier.children.forEach(v => {
    v.label = { formatter: `${v.name}  ${v.value}次` };
    v.itemStyle = { color: v.idle ? "#f0ad4e" : "#b3141c", borderColor: v.idle ? "#f0ad4e" : "#b3141c" };
  }));
  chart.setOption({
    tooltip: { trigger: "item", formatter: p => p.data.children ? p.name : `${p.name}<br>今年课次：${p.value}<br>无活动月份：${p.data.idle}` },
    series: [{
      type: "tree", data: [data], top: 10, bottom: 10, left: 90, right: 290, symbolSize: 9, initialTreeDepth: 2,
      label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 12, width: 260, overflow: "truncate" },
      leaves: { label: { position: "right", align: "left" } },
      lineStyle: { color: "#d9a0a0" }, itemStyle: { color: "#b3141c", borderColor: "#b3141c" },
    }],
  });
  window.addEventListener("resize", () => chart.resize());
})();
