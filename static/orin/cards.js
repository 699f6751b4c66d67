/* Rendering of the console's cards (alerts, events) from the JSON the server sends, shared by
 * the dashboard, the alert queue and the live feed. Text goes in with textContent only. */
(function () {
  "use strict";

  const SEVERITY_RANK = { critical: 1, high: 2, medium: 3, low: 4 };
  const EVENT_COLORS = {
    human_detected: "#5c6bc0",
    face_detected: "#26a69a",
    person_recognized: "#43a047",
    motion_detected: "#ffa726",
    object_detected: "#8d6e63",
  };
  function reviewUrl() {
    const nav = document.querySelector(".orin-nav");
    return (nav && nav.dataset.reviewUrl) || "/admin/console/review/";
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach((child) => child && node.append(child));
    return node;
  }

  function relative(iso) {
    const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (seconds < 45) return "just now";
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
    return new Date(iso).toLocaleString();
  }

  function clock(iso) {
    return new Date(iso).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function snapshot(card, width) {
    const box = el("span", { class: "orin-snap" });
    if (card.snapshot) {
      box.append(el("img", { src: `${card.snapshot}?w=${width || 320}`, alt: "Snapshot", loading: "lazy" }));
      if (card.bbox) {
        const b = card.bbox;
        box.append(
          el("span", {
            class: "box",
            style: `left:${b.x * 100}%;top:${b.y * 100}%;width:${b.w * 100}%;height:${b.h * 100}%`,
          })
        );
      }
    } else {
      box.append(el("span", { class: "none", text: "no snapshot" }));
    }
    return box;
  }

  function personLink(person) {
    if (!person) return null;
    return el("a", { href: `${reviewUrl()}person/${person.id}/`, text: person.name });
  }

  function alertCard(alert, options) {
    const opts = options || {};
    const pick = el("input", { type: "checkbox", class: "pick-box", "aria-label": "Select alert", tabindex: "-1" });
    const meta = el("div", { class: "meta" }, [
      el("span", { text: `${alert.site.name} · ${alert.camera.name}` }),
      alert.person ? el("span", {}, ["Person: ", personLink(alert.person)]) : null,
      alert.rule ? el("span", { text: `Rule: ${alert.rule}` }) : null,
      alert.acknowledged_by ? el("span", { text: `Acknowledged by ${alert.acknowledged_by}` }) : null,
      el("a", { class: "orin-clip-link", href: reviewUrl().replace(/review\/$/, `alerts/${alert.id}/evidence/`), text: "Clip ▶" }),
    ]);
    const body = el("div", { class: "body" }, [
      el("div", { class: "title" }, [el("span", { class: `orin-sev ${alert.severity}`, text: alert.severity }), alert.alert_type.replace(/_/g, " ")]),
      el("div", { class: "msg", text: alert.message }),
      meta,
    ]);
    const side = el("div", { class: "side" }, [
      el("div", {}, [el("span", { class: "orin-status", text: alert.status_label || alert.status })]),
      el("time", { datetime: alert.created_at, title: clock(alert.created_at), "data-relative": true, text: relative(alert.created_at) }),
    ]);
    const item = el(
      "li",
      {
        class: "orin-alert",
        tabindex: "0",
        dataset: { id: alert.id, severity: alert.severity, status: alert.status, site: alert.site.id, camera: alert.camera.id, created: alert.created_at },
      },
      [opts.selectable === false ? null : el("div", { class: "pick" }, [pick]), snapshot(alert, 320), body, side]
    );
    return item;
  }

  function eventCard(event) {
    const color = EVENT_COLORS[event.event_type] || "#888";
    const who = event.person ? personLink(event.person) : event.cluster ? el("span", { text: event.cluster.label }) : null;
    return el("div", { class: "orin-event", dataset: { id: event.id } }, [
      snapshot(event, 320),
      el("div", { class: "info" }, [
        el("div", { class: "type" }, [el("i", { style: `background:${color}` }), event.event_type_label]),
        who ? el("div", {}, [who]) : null,
        el("div", { class: "quiet", text: `${event.site ? event.site.name : ""} · ${event.camera ? event.camera.name : ""}` }),
        el("div", { class: "quiet", text: `${clock(event.timestamp)} · ${(event.confidence * 100).toFixed(0)}%` }),
      ]),
    ]);
  }

  /* Insert `node` into `list` in queue order (severity, then newest first). */
  function placeAlert(list, node) {
    const rank = SEVERITY_RANK[node.dataset.severity] || 9;
    const created = node.dataset.created;
    for (const other of list.children) {
      const otherRank = SEVERITY_RANK[other.dataset.severity] || 9;
      if (rank < otherRank || (rank === otherRank && created > other.dataset.created)) {
        list.insertBefore(node, other);
        return;
      }
    }
    list.append(node);
  }

  function refreshRelativeTimes() {
    document.querySelectorAll("time[data-relative]").forEach((node) => {
      node.textContent = relative(node.getAttribute("datetime"));
    });
  }
  setInterval(refreshRelativeTimes, 30000);
  document.addEventListener("DOMContentLoaded", refreshRelativeTimes);

  window.OrinCards = { el, alertCard, eventCard, snapshot, placeAlert, relative, clock, EVENT_COLORS, SEVERITY_RANK };
})();
