(function () {
  const data = JSON.parse(document.getElementById("network-data").textContent);
  const el = document.getElementById("network-chart");
  const leaves = data.children.reduce((n, c) => n + c.children.length, 0);
  el.style.height = Math.max(420, leaves * 24) + "px";
  const chart = echarts.init(el);
  // Room for the labels, measured rather than guessed: the root's name sits left of it, so the left
  // margin is as wide as that name; the venues' names get what a phone can spare on the right.
  const textWidth = (text) => echarts.format.getTextRect ? echarts.format.getTextRect(text, "12px sans-serif").width : text.length * 12;
  const left = Math.ceil(textWidth(data.name)) + 24;
  const narrow = el.clientWidth < 640;
  const right = narrow ? Math.round(el.clientWidth * 0.45) : 290;
  data.label = { width: left - 16, overflow: "truncate" };
  data.children.forEach(tier => {
    // A tier's label above its node, on white: beside it, the lines from the root ran through the text.
    tier.label = { position: "top", align: "center", verticalAlign: "bottom", distance: 6, backgroundColor: "#fff", padding: [1, 3] };
    tier.children.forEach(v => {
      v.label = { formatter: `${v.name}  ${v.value}次` };
      v.itemStyle = { color: v.idle ? "#f0ad4e" : "#b3141c", borderColor: v.idle ? "#f0ad4e" : "#b3141c" };
    });
  });
  chart.setOption({
    tooltip: { trigger: "item", formatter: p => p.data.children ? p.name : `${p.name}<br>今年课次：${p.value}<br>无活动月份：${p.data.idle}` },
    series: [{
      type: "tree", data: [data], top: 24, bottom: 10, left, right, symbolSize: 9, initialTreeDepth: 2,
      label: { position: "left", verticalAlign: "middle", align: "right", fontSize: 12 },
      leaves: { label: { position: "right", align: "left", width: right - 20, overflow: "truncate" } },
      lineStyle: { color: "#d9a0a0" }, itemStyle: { color: "#b3141c", borderColor: "#b3141c" },
    }],
  });
  window.addEventListener("resize", () => chart.resize());
})();
