// Jinguo (巾帼) — charts. Draws every element with a data-chart attribute using the vendored
// Apache ECharts (static/vendor/echarts.min.js). The CSP forbids inline scripts, so the page
// carries the chart as JSON in the attribute: {"type":"bar"|"line"|"pie","title":…,
// "labels":[…],"series":[{"name":…,"data":[…]}],"stack":bool}. The tables beside each chart
// hold the same figures, so the page works without JavaScript.
(function () {
  'use strict';

  var palette = ['#c8161d', '#1f6fb2', '#2e8b57', '#d9822b', '#7a4fb5', '#11898f', '#8c6d1f', '#b5477b', '#5c6b7a', '#e0a100'];
  var font = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function option(spec) {
    var series = spec.series || [];
    var labels = spec.labels || [];
    if (spec.type === 'pie') {
      var data = [];
      var first = series[0] ? series[0].data : [];
      for (var i = 0; i < labels.length; i++) data.push({ name: labels[i], value: first[i] || 0 });
      return {
        animation: false,
        color: ['#2e8b57', '#d9822b', '#c8161d'],
        textStyle: { fontFamily: font },
        tooltip: { trigger: 'item', formatter: '{b}：{c}件（{d}%）' },
        legend: { bottom: 0 },
        series: [{ type: 'pie', radius: ['35%', '65%'], data: data, label: { formatter: '{b}\n{c}件' } }]
      };
    }
    var out = {
      animation: false, // draw at once: weak phones, printing, screenshots
      color: palette,
      textStyle: { fontFamily: font },
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', bottom: 0 },
      grid: { left: 8, right: 16, top: 16, bottom: 48, containLabel: true },
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: 'value', minInterval: 1 },
      series: []
    };
    for (var j = 0; j < series.length; j++) {
      var s = { name: series[j].name, type: spec.type === 'line' ? 'line' : 'bar', data: series[j].data };
      if (spec.stack && s.type === 'bar') s.stack = 'total';
      if (s.type === 'line') s.smooth = false;
      out.series.push(s);
    }
    return out;
  }

  // total sums every value: an empty chart is not drawn (its table says so).
  function total(spec) {
    var sum = 0;
    var series = spec.series || [];
    for (var i = 0; i < series.length; i++) {
      var data = series[i].data || [];
      for (var j = 0; j < data.length; j++) sum += data[j] || 0;
    }
    return sum;
  }

  function draw() {
    if (!window.echarts) return; // the tables still show the figures
    var nodes = document.querySelectorAll('[data-chart]');
    var charts = [];
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var spec;
      try {
        spec = JSON.parse(el.getAttribute('data-chart'));
      } catch (e) {
        continue;
      }
      if (!spec || !spec.labels || spec.labels.length === 0 || total(spec) === 0) continue;
      // Sizes are set through the CSSOM, which the CSP allows (no style attributes in markup).
      el.style.width = '100%';
      el.style.height = el.classList.contains('chart-small') ? '260px' : '320px';
      el.style.marginBottom = '12px';
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(option(spec));
      charts.push(chart);
    }
    var timer = null;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        for (var k = 0; k < charts.length; k++) charts[k].resize();
      }, 150);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
