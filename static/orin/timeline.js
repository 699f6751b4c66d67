/* A person's or cluster's sightings on a time axis, one lane per camera; a dot opens the
 * sighting's card below. */
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#1e88e5", "#8e24aa", "#43a047", "#f4511e", "#00897b", "#6d4c41", "#3949ab", "#c0ca33"];

  function svg(tag, attrs) {
    const node = document.createElementNS(NS, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("orin-timeline");
    const data = JSON.parse(document.getElementById("orin-timeline-data").textContent);
    if (!box || !data.since || !data.events.length) {
      if (box) box.hidden = true;
      return;
    }
    // Zoom to the sightings (padded), within the searched range.
    const times = data.events.map((e) => new Date(e.timestamp).getTime());
    const pad = Math.max((Math.max(...times) - Math.min(...times)) * 0.08, 5 * 60 * 1000);
    const start = Math.max(new Date(data.since).getTime(), Math.min(...times) - pad);
    const end = Math.max(...times) + pad;
    const short = end - start < 2 * 86400 * 1000;
    const laneH = 26;
    const left = 230;
    const width = Math.max(box.clientWidth - 20, 700);
    const height = data.lanes.length * laneH + 30;
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}` });
    const sites = [...new Set(data.events.map((e) => e.site.name))];
    const x = (iso) => left + ((new Date(iso).getTime() - start) / (end - start)) * (width - left - 12);

    data.lanes.forEach((lane, i) => {
      root.append(svg("rect", { x: left, y: i * laneH + 3, width: width - left - 8, height: laneH - 6, rx: 3, class: "lane" }));
      const label = svg("text", { x: left - 8, y: i * laneH + laneH / 2 + 4, "text-anchor": "end" });
      label.textContent = lane;
      root.append(label);
    });
    const ticks = 6;
    for (let t = 0; t <= ticks; t++) {
      const at = start + ((end - start) * t) / ticks;
      const anchor = t === 0 ? "start" : t === ticks ? "end" : "middle";
      const label = svg("text", { x: left + ((width - left - 12) * t) / ticks, y: height - 6, "text-anchor": anchor });
      const format = short ? { hour: "2-digit", minute: "2-digit" } : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
      label.textContent = new Date(at).toLocaleString([], format);
      root.append(label);
    }
    data.events.forEach((event) => {
      const lane = data.lanes.indexOf(`${event.site.name} · ${event.camera.name}`);
      const dot = svg("circle", {
        cx: x(event.timestamp),
        cy: lane * laneH + laneH / 2,
        r: 6,
        fill: PALETTE[sites.indexOf(event.site.name) % PALETTE.length],
      });
      const title = svg("title", {});
      title.textContent = `${new Date(event.timestamp).toLocaleString()} · ${event.site.name} · ${event.camera.name}`;
      dot.append(title);
      dot.addEventListener("click", () => {
        const card = document.getElementById(`s-${event.id}`);
        if (!card) return;
        document.querySelectorAll(".orin-sighting.focus").forEach((n) => n.classList.remove("focus"));
        card.classList.add("focus");
        card.scrollIntoView({ behavior: "smooth", block: "center" });
      });
      root.append(dot);
    });
    box.append(root);
  });
})();
