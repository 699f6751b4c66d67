/* The alert queue's "open incident": press o (or the button) with alerts selected (or one
 * focused) to open an incident from them, or give an incident number to add them to it.
 * Enter sends, Escape closes; on success the incident's page opens. */
(function () {
  "use strict";

  function chosen() {
    const picked = Array.from(document.querySelectorAll("#orin-queue .orin-alert.selected"));
    if (picked.length) return picked.map((node) => node.dataset.id);
    const focused = document.activeElement && document.activeElement.closest("#orin-queue .orin-alert");
    return focused ? [focused.dataset.id] : [];
  }

  function open(form) {
    const ids = chosen();
    const status = form.querySelector(".orin-incident-status");
    if (!ids.length) {
      status.textContent = "Select alerts first (x), then press o.";
      form.hidden = false;
      return;
    }
    form.elements.ids.value = ids.join(",");
    status.textContent = `${ids.length} alert(s)`;
    form.hidden = false;
    form.elements.title.focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("orin-incident-form");
    if (!form) return;
    document.getElementById("orin-open-incident").addEventListener("click", () => open(form));
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        form.hidden = true;
        event.stopPropagation();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = form.querySelector(".orin-incident-status");
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) {
        status.textContent = data.error || "Refused.";
        status.classList.add("err");
        return;
      }
      window.location.href = data.url;
    });
    document.addEventListener("keydown", (event) => {
      if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key.toLowerCase() === "o") {
        event.preventDefault();
        open(form);
      }
    });
  });
})();
