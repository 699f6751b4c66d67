/* Small SVG charts for the dashboard (no third-party library: consoles run on closed networks).
 *   OrinCharts.stackedBars(container, {labels, series: [{name, color, values}]})
 *   OrinCharts.severityBars(container, {critical: {open, closed}, ...})
 */
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const SEVERITY_COLORS = { critical: "#c62828", high: "#e8590c", medium: "#d4a106", low: "#5f7a89" };

  function svg(tag, attrs) {
    const node = document.createElementNS(NS, tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  let tooltip = null;
  function tip(event, text) {
    if (!tooltip) {
      tooltip = document.createElement("div");
      tooltip.className = "orin-tooltip";
      document.body.append(tooltip);
    }
    if (!text) {
      tooltip.style.display = "none";
      return;
    }
    tooltip.textContent = text;
    tooltip.style.display = "block";
    tooltip.style.left = `${event.clientX + 12}px`;
    tooltip.style.top = `${event.clientY + 12}px`;
  }

  function niceMax(value) {
    if (value <= 5) return 5;
    const magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (step * magnitude >= value) return step * magnitude;
    }
    return value;
  }

  function legend(container, items) {
    const box = document.createElement("div");
    box.className = "orin-legend";
    items.forEach(({ name, color }) => {
      const span = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = color;
      span.append(swatch, name);
      box.append(span);
    });
    container.append(box);
  }

  function stackedBars(container, data) {
    container.textContent = "";
    const width = 720;
    const height = 220;
    const pad = { left: 36, right: 8, top: 10, bottom: 26 };
    const n = data.labels.length;
    const totals = data.labels.map((_, i) => data.series.reduce((sum, s) => sum + s.values[i], 0));
    const max = niceMax(Math.max(1, ...totals));
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const slot = plotW / n;
    const barW = Math.max(2, slot * 0.72);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "xMidYMid meet" });

    for (let t = 0; t <= 4; t++) {
      const y = pad.top + plotH - (plotH * t) / 4;
      root.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "axis", "stroke-dasharray": t ? "2,3" : "" }));
      const label = svg("text", { x: pad.left - 5, y: y + 3, "text-anchor": "end" });
      label.textContent = Math.round((max * t) / 4).toLocaleString();
      root.append(label);
    }
    data.labels.forEach((iso, i) => {
      const x = pad.left + slot * i + (slot - barW) / 2;
      let y = pad.top + plotH;
      const hour = new Date(iso);
      data.series.forEach((s) => {
        const value = s.values[i];
        if (!value) return;
        const h = (plotH * value) / max;
        y -= h;
        const rect = svg("rect", { x, y, width: barW, height: Math.max(h, 0.5), fill: s.color, class: "bar" });
        const text = `${hour.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })}\n${s.name}: ${value.toLocaleString()}\nall: ${totals[i].toLocaleString()}`;
        rect.addEventListener("mousemove", (e) => tip(e, text));
        rect.addEventListener("mouseleave", (e) => tip(e, null));
        root.append(rect);
      });
      if (i % 3 === 0 || i === n - 1) {
        const label = svg("text", { x: x + barW / 2, y: height - 8, "text-anchor": "middle" });
        label.textContent = hour.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        root.append(label);
      }
    });
    container.append(root);
    legend(container, data.series.filter((s) => s.values.some(Boolean)));
  }

  function severityBars(container, data) {
    container.textContent = "";
    const names = ["critical", "high", "medium", "low"];
    const width = 360;
    const rowH = 38;
    const height = names.length * rowH + 8;
    const left = 70;
    const max = niceMax(Math.max(1, ...names.map((n) => data[n].open + data[n].closed)));
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}` });
    names.forEach((name, i) => {
      const y = 6 + i * rowH;
      const label = svg("text", { x: left - 8, y: y + 17, "text-anchor": "end" });
      label.textContent = name;
      root.append(label);
      const plotW = width - left - 48;
      const openW = (plotW * data[name].open) / max;
      const closedW = (plotW * data[name].closed) / max;
      const open = svg("rect", { x: left, y, width: Math.max(openW, 0), height: 24, fill: SEVERITY_COLORS[name], rx: 2, class: "bar" });
      const closed = svg("rect", { x: left + openW, y, width: Math.max(closedW, 0), height: 24, fill: SEVERITY_COLORS[name], opacity: 0.35, rx: 2, class: "bar" });
      const text = `${name}: ${data[name].open} open, ${data[name].closed} closed`;
      [open, closed].forEach((r) => {
        r.addEventListener("mousemove", (e) => tip(e, text));
        r.addEventListener("mouseleave", (e) => tip(e, null));
        root.append(r);
      });
      const count = svg("text", { x: left + openW + closedW + 6, y: y + 17, "data-severity": name });
      count.textContent = `${data[name].open} / ${data[name].open + data[name].closed}`;
      root.append(count);
    });
    container.append(root);
    legend(container, [
      { name: "open", color: "#888" },
      { name: "closed (resolved or ignored)", color: "rgba(136,136,136,.35)" },
    ]);
  }

  window.OrinCharts = { stackedBars, severityBars, SEVERITY_COLORS };
})();
