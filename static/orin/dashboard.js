/* The dashboard: charts from the embedded JSON, newest alerts updated from the live feed, and
 * the tiles, charts and camera grid re-read from the server (scoped there) shortly after
 * anything happens, at most every few seconds. */
(function () {
  "use strict";

  const ACTIVE = new Set(["pending", "sent", "acknowledged"]);
  const NEWEST = 8;
  const REFRESH_DELAY_MS = 1200;
  const IDLE_REFRESH_MS = 60000;

  let root;
  let data;
  let timer = null;

  function drawCharts() {
    const events = document.getElementById("orin-events-chart");
    if (events && data.events_per_hour) {
      const e = data.events_per_hour;
      const labels = { human_detected: "People", face_detected: "Faces (unknown)", person_recognized: "Recognised", motion_detected: "Motion", object_detected: "Objects" };
      OrinCharts.stackedBars(events, {
        labels: e.hours,
        series: Object.keys(labels).map((type) => ({ name: labels[type], color: OrinCards.EVENT_COLORS[type], values: e.series[type] || [] })),
      });
    }
    const severity = document.getElementById("orin-severity-chart");
    if (severity && data.alerts_by_severity) OrinCharts.severityBars(severity, data.alerts_by_severity);
  }

  function drawNewest() {
    const list = document.getElementById("orin-newest-alerts");
    if (!list || !data.newest_alerts) return;
    list.textContent = "";
    data.newest_alerts.forEach((alert) => list.append(OrinCards.alertCard(alert, { selectable: false })));
    document.getElementById("orin-newest-empty").hidden = data.newest_alerts.length > 0;
  }

  function upsertAlert(alert, fresh) {
    const list = document.getElementById("orin-newest-alerts");
    if (!list) return;
    const old = list.querySelector(`[data-id="${alert.id}"]`);
    if (old) old.remove();
    if (ACTIVE.has(alert.status)) {
      const node = OrinCards.alertCard(alert, { selectable: false });
      if (fresh) node.classList.add("fresh");
      OrinCards.placeAlert(list, node);
      while (list.children.length > NEWEST) list.lastElementChild.remove();
    }
    document.getElementById("orin-newest-empty").hidden = list.children.length > 0;
  }

  function updateTiles(stats) {
    document.querySelectorAll("[data-stat]").forEach((node) => {
      const value = stats[node.dataset.stat];
      const text = value === null || value === undefined ? "–" : String(value);
      if (node.textContent !== text) {
        node.textContent = text;
        const tile = node.closest(".orin-tile");
        if (tile) {
          tile.classList.remove("bump");
          void tile.offsetWidth;
          tile.classList.add("bump");
        }
      }
    });
    const critical = document.querySelector(".orin-tile-critical");
    if (critical) critical.classList.toggle("hot", stats.critical_alerts > 0);
  }

  function updateCameras(cameras) {
    (cameras || []).forEach((camera) => {
      const node = document.querySelector(`.orin-camera[data-camera="${camera.id}"]`);
      if (!node) return;
      node.dataset.status = camera.status;
      const last = node.querySelector(".last");
      last.textContent = camera.status + (camera.last_frame ? ` · ${OrinCards.relative(camera.last_frame)}` : "") + (camera.fps ? ` · ${camera.fps.toFixed(1)} fps` : "");
    });
  }

  async function refresh() {
    timer = null;
    try {
      const response = await fetch(root.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      data = await response.json();
      updateTiles(data.stats);
      drawCharts();
      drawNewest();
      updateCameras(data.cameras);
    } catch (err) {
      /* offline for a moment: the next push or the idle timer tries again */
    }
  }

  function soon() {
    if (!timer) timer = setTimeout(refresh, REFRESH_DELAY_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    root = document.getElementById("orin-dashboard");
    if (!root) return;
    data = JSON.parse(document.getElementById("orin-dashboard-data").textContent);
    drawCharts();
    drawNewest();
    document.addEventListener("orin:alert", (e) => {
      upsertAlert(e.detail, true);
      soon();
    });
    document.addEventListener("orin:events", soon);
    document.addEventListener("orin:catchup", soon);
    setInterval(soon, IDLE_REFRESH_MS);
  });
})();
