// Zone polygon editor (surveillance.widgets.PolygonWidget): keeps the textarea's JSON
// [{"x": 0..1, "y": 0..1}, ...] and an SVG drawing of it in step.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const W = 1000, H = 562;

  function parse(text) {
    try {
      const points = JSON.parse(text || "[]");
      return Array.isArray(points) ? points.filter((p) => p && typeof p.x === "number" && typeof p.y === "number") : [];
    } catch (e) {
      return null;
    }
  }

  function setup(box) {
    const svg = box.querySelector("svg");
    const area = box.querySelector("textarea");
    let points = parse(area.value) || [];
    let dragging = -1;
    if (box.dataset.snapshot) {
      const image = document.createElementNS(NS, "image");
      image.setAttribute("href", box.dataset.snapshot + "?w=640");
      image.setAttribute("width", W);
      image.setAttribute("height", H);
      image.setAttribute("preserveAspectRatio", "none");
      svg.appendChild(image);
    }
    const shape = document.createElementNS(NS, "polygon");
    shape.setAttribute("fill", "rgba(255,0,0,0.25)");
    shape.setAttribute("stroke", "#f33");
    shape.setAttribute("stroke-width", "3");
    svg.appendChild(shape);
    const handles = document.createElementNS(NS, "g");
    svg.appendChild(handles);

    const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
    function at(event) {
      const r = svg.getBoundingClientRect();
      return { x: round((event.clientX - r.left) / r.width), y: round((event.clientY - r.top) / r.height) };
    }
    function save() {
      area.value = JSON.stringify(points);
    }
    function draw() {
      shape.setAttribute("points", points.map((p) => `${p.x * W},${p.y * H}`).join(" "));
      handles.replaceChildren();
      points.forEach((p, i) => {
        const c = document.createElementNS(NS, "circle");
        c.setAttribute("cx", p.x * W);
        c.setAttribute("cy", p.y * H);
        c.setAttribute("r", 10);
        c.setAttribute("fill", "#fff");
        c.setAttribute("stroke", "#f33");
        c.dataset.index = i;
        handles.appendChild(c);
      });
    }
    svg.addEventListener("mousedown", (event) => {
      if (event.target.dataset.index !== undefined) {
        dragging = Number(event.target.dataset.index);
        event.preventDefault();
      }
    });
    svg.addEventListener("mousemove", (event) => {
      if (dragging >= 0) {
        points[dragging] = at(event);
        draw();
      }
    });
    window.addEventListener("mouseup", () => {
      if (dragging >= 0) {
        dragging = -1;
        save();
      }
    });
    svg.addEventListener("click", (event) => {
      if (event.target.dataset.index === undefined) {
        points.push(at(event));
        save();
        draw();
      }
    });
    svg.addEventListener("dblclick", (event) => {
      if (event.target.dataset.index !== undefined) {
        points.splice(Number(event.target.dataset.index), 1);
        save();
        draw();
      }
    });
    area.addEventListener("input", () => {
      const parsed = parse(area.value);
      if (parsed) {
        points = parsed;
        draw();
      }
    });
    draw();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".orin-polygon-editor").forEach(setup);
  });
})();
