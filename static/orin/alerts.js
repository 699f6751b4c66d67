/* The alert queue: live, keyboard-driven, one or many alerts at a time.
 *
 * Keys: j/k move, x select, shift+a select all, a acknowledge, r resolve, i ignore, n note.
 * Without a selection an action applies to the focused alert. New and changed alerts arrive
 * from the live feed and are placed in queue order if they match the page's filters; after a
 * reconnect the page re-reads the queue from the server. */
(function () {
  "use strict";

  const STATUS_GROUPS = {
    "": ["pending", "sent", "acknowledged"],
    new: ["pending", "sent"],
    acknowledged: ["acknowledged"],
    closed: ["resolved", "ignored"],
  };

  let page, list, filter, toolbar;
  const selected = new Set();

  function matches(alert) {
    if (filter.site && alert.site.id !== filter.site) return false;
    if (filter.camera && alert.camera.id !== filter.camera) return false;
    if (filter.severity && alert.severity !== filter.severity) return false;
    return (STATUS_GROUPS[filter.status] || STATUS_GROUPS[""]).includes(alert.status);
  }

  function cards() {
    return Array.from(list.querySelectorAll(".orin-alert"));
  }

  function syncSelection() {
    cards().forEach((node) => {
      const on = selected.has(node.dataset.id);
      node.classList.toggle("selected", on);
      node.querySelector(".pick-box").checked = on;
    });
    for (const id of Array.from(selected)) {
      if (!list.querySelector(`[data-id="${id}"]`)) selected.delete(id);
    }
    document.getElementById("orin-selected-count").textContent = `${selected.size} selected`;
    const canAct = page.dataset.canHandle === "1" && (selected.size > 0 || focused());
    toolbar.querySelectorAll("button.orin-act").forEach((b) => (b.disabled = !canAct));
    document.getElementById("orin-queue-empty").hidden = list.children.length > 0;
  }

  function focused() {
    const node = document.activeElement;
    return node && node.classList && node.classList.contains("orin-alert") ? node : null;
  }

  function upsert(alert, fresh) {
    const old = list.querySelector(`[data-id="${alert.id}"]`);
    const hadFocus = old && old === document.activeElement;
    if (old) old.remove();
    if (!matches(alert)) {
      selected.delete(alert.id);
      return;
    }
    const node = OrinCards.alertCard(alert);
    if (fresh) node.classList.add("fresh");
    OrinCards.placeAlert(list, node);
    if (hadFocus) node.focus();
  }

  function render(alerts) {
    list.textContent = "";
    alerts.forEach((a) => OrinCards.placeAlert(list, OrinCards.alertCard(a)));
    syncSelection();
  }

  function flash(kind, text) {
    const box = document.getElementById("orin-flash");
    const p = document.createElement("p");
    p.className = `orin-flash ${kind}`;
    p.textContent = text;
    box.prepend(p);
    setTimeout(() => p.remove(), 8000);
  }

  function updateCounts(counts) {
    Object.entries(counts || {}).forEach(([severity, n]) => {
      const chip = document.querySelector(`#orin-sevcounts [data-severity="${severity}"] b`);
      if (chip) chip.textContent = n;
    });
  }

  let countTimer = null;
  async function reload(countsOnly) {
    countTimer = null;
    const response = await fetch(`${page.dataset.jsonUrl}${window.location.search}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const data = await response.json();
    updateCounts(data.counts);
    if (!countsOnly) render(data.alerts);
  }
  function recountSoon() {
    if (!countTimer) countTimer = setTimeout(() => reload(true), 1000);
  }

  async function act(action) {
    if (page.dataset.canHandle !== "1") return;
    let ids = Array.from(selected);
    if (!ids.length && focused()) ids = [focused().dataset.id];
    if (!ids.length) return;
    const body = new FormData(toolbar);
    body.set("ids", ids.join(","));
    body.set("action", action);
    toolbar.querySelectorAll("button.orin-act").forEach((b) => (b.disabled = true));
    try {
      const response = await fetch(page.dataset.handleUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) {
        const errors = data.errors ? Object.values(data.errors).flat().map((e) => e.message).join("; ") : response.statusText;
        flash("err", errors || "The action was refused.");
        return;
      }
      (data.alerts || []).forEach((alert) => upsert(alert, false));
      ids.forEach((id) => selected.delete(id));
      const past = { acknowledge: "acknowledged", resolve: "resolved", ignore: "ignored" }[action];
      if (data.done.length) flash("ok", `${data.done.length} alert(s) ${past}.`);
      (data.refused || []).forEach((r) => flash("warn", `Alert ${r.id.slice(0, 8)}: ${r.reason}.`));
      if (data.missing) flash("warn", `${data.missing} alert(s) were not found.`);
      document.getElementById("orin-note").value = "";
      recountSoon();
    } catch (err) {
      flash("err", "The server could not be reached; nothing was changed.");
    } finally {
      syncSelection();
    }
  }

  function move(step) {
    const all = cards();
    if (!all.length) return;
    const index = all.indexOf(focused());
    const next = all[Math.max(0, Math.min(all.length - 1, index + step))] || all[0];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
    syncSelection();
  }

  function toggle(node) {
    if (!node) return;
    const id = node.dataset.id;
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    syncSelection();
  }

  document.addEventListener("DOMContentLoaded", () => {
    page = document.getElementById("orin-queue-page");
    if (!page) return;
    list = document.getElementById("orin-queue");
    toolbar = document.getElementById("orin-queue-toolbar");
    filter = JSON.parse(document.getElementById("orin-queue-filter").textContent);
    render(JSON.parse(document.getElementById("orin-queue-data").textContent));

    list.addEventListener("click", (event) => {
      const node = event.target.closest(".orin-alert");
      if (!node || event.target.closest("a")) return;
      if (event.target.classList.contains("pick-box") || event.target.closest(".pick")) {
        toggle(node);
        return;
      }
      node.focus();
      syncSelection();
    });
    list.addEventListener("focusin", syncSelection);
    document.getElementById("orin-select-all").addEventListener("change", (event) => {
      cards().forEach((node) => (event.target.checked ? selected.add(node.dataset.id) : selected.delete(node.dataset.id)));
      syncSelection();
    });
    toolbar.addEventListener("submit", (event) => {
      event.preventDefault();
      const action = event.submitter && event.submitter.dataset.action;
      if (action) act(action);
    });
    document.addEventListener("keydown", (event) => {
      const typing = event.target.closest("input, textarea, select");
      if (event.key === "Escape" && typing) {
        event.target.blur();
        return;
      }
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "j") move(1);
      else if (key === "k") move(-1);
      else if (key === "x") toggle(focused());
      else if (key === "a" && event.shiftKey) {
        cards().forEach((node) => selected.add(node.dataset.id));
        syncSelection();
      } else if (key === "a") act("acknowledge");
      else if (key === "r") act("resolve");
      else if (key === "i") act("ignore");
      else if (key === "n") document.getElementById("orin-note").focus();
      else return;
      event.preventDefault();
    });

    document.addEventListener("orin:alert", (event) => {
      upsert(event.detail, true);
      syncSelection();
      recountSoon();
    });
    document.addEventListener("orin:catchup", () => reload(false));
  });
})();
