/* Face review: select whole clusters or single faces, then name (new or existing person), merge,
 * move out, reject or delete; confirm or reject recognitions on a person's page. When the server
 * warns that some faces look unlike the person's other faces (the over-fitting guard), the
 * reviewer chooses to leave them out or include them. */
(function () {
  "use strict";

  const FLASH_KEY = "orin.review.flash";
  let bar;
  const clusters = []; // selection order matters: the first is the merge target
  const faces = new Set();
  let preset = null;

  function flash(kind, text) {
    const box = document.getElementById("orin-flash");
    const p = document.createElement("p");
    p.className = `orin-flash ${kind}`;
    p.textContent = text;
    box.prepend(p);
  }

  function field(name) {
    return bar.querySelector(`[name="${name}"]`);
  }

  function allowed(action) {
    return (bar.dataset.allowed || "").split(",").includes(action);
  }

  function chosenPerson() {
    return field("person").value || (field("new_person_name") && field("new_person_name").value.trim());
  }

  function clusterTargets() {
    return clusters.length ? clusters : preset ? [preset] : [];
  }

  function render() {
    document.querySelectorAll(".orin-cluster[data-cluster]").forEach((node) => {
      const on = clusters.includes(node.dataset.cluster);
      node.classList.toggle("selected", on);
      const box = node.querySelector(".cluster-box");
      if (box) box.checked = on;
    });
    document.querySelectorAll(".orin-face").forEach((node) => node.classList.toggle("selected", faces.has(node.dataset.face)));
    const parts = [];
    if (clusters.length) {
      const labels = clusters.map((id) => document.querySelector(`[data-cluster="${id}"]`).dataset.label);
      parts.push(`${clusters.length} cluster${clusters.length > 1 ? "s" : ""} (${labels.join(", ")})`);
    }
    if (faces.size) parts.push(`${faces.size} face${faces.size > 1 ? "s" : ""}`);
    document.getElementById("orin-review-selection").textContent = parts.length ? parts.join(" + ") : preset ? "The whole cluster" : "Nothing selected";

    const targets = clusterTargets();
    const state = {
      name: Boolean(chosenPerson()) && (faces.size > 0 || targets.length > 0),
      merge: !faces.size && clusters.length >= 2,
      move_out: faces.size > 0,
      reject: !faces.size && targets.length > 0,
      delete: faces.size > 0 || targets.length > 0,
    };
    bar.querySelectorAll("button[data-action]").forEach((b) => (b.disabled = !state[b.dataset.action]));
  }

  function toggleCluster(id) {
    const i = clusters.indexOf(id);
    if (i >= 0) clusters.splice(i, 1);
    else clusters.push(id);
    render();
  }

  async function post(body) {
    body.set("csrfmiddlewaretoken", field("csrfmiddlewaretoken").value);
    const response = await fetch(bar.action, { method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin" });
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = { message: `The server answered ${response.status}.` };
    }
    return { status: response.status, data };
  }

  function askAboutOutliers(data) {
    return new Promise((resolve) => {
      const dialog = document.getElementById("orin-outlier-dialog");
      document.getElementById("orin-outlier-text").textContent = data.message;
      const grid = document.getElementById("orin-outlier-faces");
      grid.textContent = "";
      (data.outliers || []).forEach((face) => {
        const tile = document.createElement("span");
        tile.className = "orin-face outlier";
        tile.title = `distance ${face.score}`;
        if (face.url) {
          const img = document.createElement("img");
          img.src = face.url;
          img.alt = "Face crop";
          tile.append(img);
        }
        grid.append(tile);
      });
      dialog.querySelectorAll("menu button").forEach((button) => {
        button.onclick = () => {
          dialog.close();
          resolve(button.value);
        };
      });
      dialog.showModal();
    });
  }

  async function run(action) {
    const body = new FormData();
    let serverAction = action;
    if (action === "name") serverAction = faces.size ? "move" : "name";
    if (action === "delete") {
      serverAction = faces.size ? "delete_faces" : "delete_clusters";
      const what = faces.size ? `${faces.size} face(s)` : `${clusterTargets().length} cluster(s) and all their faces`;
      if (!window.confirm(`Delete ${what}? Their sightings stay, marked as deleted in review.`)) return;
    }
    body.set("action", serverAction);
    body.set("clusters", faces.size ? "" : clusterTargets().join(","));
    body.set("faces", Array.from(faces).join(","));
    body.set("notes", field("notes").value);
    if (field("person").value) body.set("person", field("person").value);
    else if (field("new_person_name")) body.set("new_person_name", field("new_person_name").value.trim());
    bar.querySelectorAll("button[data-action]").forEach((b) => (b.disabled = true));
    try {
      let answer = await post(body);
      if (answer.status === 409) {
        const choice = await askAboutOutliers(answer.data);
        if (choice === "cancel") return;
        body.set("outliers", choice);
        answer = await post(body);
      }
      if (answer.status === 200) {
        sessionStorage.setItem(FLASH_KEY, answer.data.message);
        window.location.reload();
        return;
      }
      flash("err", answer.data.message || "The action was refused.");
    } catch (err) {
      flash("err", "The server could not be reached; nothing was changed.");
    } finally {
      render();
    }
  }

  // --- person autocomplete ---------------------------------------------------------------------
  function setupPersonPicker() {
    const input = document.getElementById("orin-person-input");
    const list = document.getElementById("orin-person-suggest");
    if (!input) return;
    let timer = null;
    let active = -1;
    function close() {
      list.hidden = true;
      active = -1;
    }
    function choose(item) {
      field("person").value = item.id;
      input.value = item.name;
      input.dataset.chosen = item.name;
      close();
      render();
    }
    async function search() {
      const q = input.value.trim();
      const response = await fetch(`${bar.dataset.searchUrl}?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const { results } = await response.json();
      list.textContent = "";
      results.forEach((item) => {
        const li = document.createElement("li");
        li.textContent = `${item.name} (${item.status})`;
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          choose(item);
        });
        li.item = item;
        list.append(li);
      });
      const hint = document.createElement("li");
      hint.className = "orin-quiet";
      hint.textContent = q ? `…or a new person named “${q}”` : "Type to search persons";
      list.append(hint);
      list.hidden = false;
    }
    input.addEventListener("input", () => {
      if (input.dataset.chosen !== input.value) field("person").value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 180);
      render();
    });
    input.addEventListener("focus", search);
    input.addEventListener("blur", () => setTimeout(close, 150));
    input.addEventListener("keydown", (e) => {
      const items = Array.from(list.querySelectorAll("li")).filter((li) => li.item);
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        active = Math.max(0, Math.min(items.length - 1, active + (e.key === "ArrowDown" ? 1 : -1)));
        items.forEach((li, i) => li.classList.toggle("active", i === active));
        e.preventDefault();
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (active >= 0 && items[active]) choose(items[active].item);
        else close();
      } else if (e.key === "Escape") close();
    });
  }

  // --- recognitions on a person's page ---------------------------------------------------------
  function setupRecognitions() {
    document.querySelectorAll("[data-recognition]").forEach((button) => {
      button.addEventListener("click", async () => {
        const item = button.closest("[data-event]");
        const body = new FormData();
        body.set("action", button.dataset.recognition);
        body.set("event", item.dataset.event);
        body.set("event_time", item.dataset.time);
        item.querySelectorAll("button").forEach((b) => (b.disabled = true));
        const answer = await post(body);
        if (answer.status === 200) {
          item.classList.add("done");
          item.querySelector(".acts").remove();
          flash("ok", answer.data.message);
        } else {
          item.querySelectorAll("button").forEach((b) => (b.disabled = false));
          flash("err", answer.data.message || "Refused.");
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    bar = document.getElementById("orin-review-bar");
    if (!bar) return;
    const pending = sessionStorage.getItem(FLASH_KEY);
    if (pending) {
      sessionStorage.removeItem(FLASH_KEY);
      flash("ok", pending);
    }
    const single = document.querySelector(".orin-cluster[data-preselected]");
    if (single) preset = single.dataset.cluster;
    document.addEventListener("click", (event) => {
      const face = event.target.closest(".orin-face[data-face]");
      if (face && bar.dataset.allowed) {
        faces.has(face.dataset.face) ? faces.delete(face.dataset.face) : faces.add(face.dataset.face);
        render();
        return;
      }
      const header = event.target.closest("[data-select-cluster]");
      if (header && !event.target.closest("a")) {
        toggleCluster(header.closest("[data-cluster]").dataset.cluster);
        if (event.target.classList.contains("cluster-box")) event.stopPropagation();
      }
    });
    bar.querySelectorAll("button[data-action]").forEach((button) => {
      if (!allowed(button.dataset.action === "delete" ? "delete_faces" : button.dataset.action)) button.hidden = true;
      button.addEventListener("click", () => run(button.dataset.action));
    });
    setupPersonPicker();
    setupRecognitions();
    render();
  });
})();
