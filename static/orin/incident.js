/* The incident page: its timeline grows live over /ws/incidents/<id>/ (reconnecting with
 * backoff; a reconnect reloads the page so nothing missed is lost), and a comment is sent with
 * Ctrl+Enter without leaving the page. */
(function () {
  "use strict";
  let attempt = 0;

  function append(card) {
    const list = document.getElementById("orin-incident-timeline");
    if (!list || list.querySelector(`[data-id="${card.id}"]`)) return;
    const item = document.createElement("li");
    item.dataset.id = card.id;
    item.dataset.kind = card.kind;
    const time = document.createElement("time");
    time.textContent = card.local_time;
    const who = document.createElement("b");
    who.textContent = card.author;
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = card.kind;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = card.body;
    item.append(time, " ", who, " ", kind, " ", body);
    item.classList.add("fresh");
    list.appendChild(item);
    if (card.kind === "status" && card.data && card.data.to) {
      const status = document.getElementById("orin-incident-status");
      if (status) {
        status.dataset.status = card.data.to;
        status.textContent = card.data.to.replace("_", " ");
      }
    }
  }

  function connect(page) {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}${page.dataset.ws}`);
    socket.addEventListener("open", () => {
      if (attempt > 0) window.location.reload(); // catch up on what was missed while away
      attempt = 0;
      page.dataset.live = "1";
    });
    socket.addEventListener("message", (event) => {
      const card = JSON.parse(event.data);
      if (card.type === "message") append(card);
    });
    socket.addEventListener("close", (event) => {
      page.dataset.live = "0";
      if (event.code === 4404 || event.code === 4401) return;
      attempt += 1;
      setTimeout(() => connect(page), Math.min(15000, 500 * 2 ** attempt));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.getElementById("orin-incident");
    if (!page) return;
    connect(page);
    const form = document.getElementById("orin-comment-form");
    if (!form) return;
    async function send(event) {
      if (event) event.preventDefault();
      const box = document.getElementById("orin-comment");
      if (!box.value.trim()) return;
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) box.value = "";
      else alert((await response.json()).error || "The comment was refused.");
    }
    form.addEventListener("submit", send);
    document.getElementById("orin-comment").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send(event);
    });
  });
})();
