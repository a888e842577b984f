// Dashboards: each card fetches its widget (HTML + Plotly figures) after the page has painted, so the
// page appears at once and a slow figure never holds up the others. A click on a bar or point that
// carries a workbench filter (customdata) opens the workbench filtered to it. No inline script (CSP).
(function () {
  "use strict";

  function draw(card, payload) {
    const body = card.querySelector(".widget-body");
    body.innerHTML = payload.html;  // server-rendered and escaped by Django templates
    body.querySelectorAll("[data-figure]").forEach((el) => {
      const fig = payload.figures[Number(el.dataset.figure)];
      Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false,
        modeBarButtonsToRemove: ["lasso2d", "select2d"] });
      el.on("plotly_click", (event) => {
        const point = event.points && event.points[0];
        const filter = point && point.customdata;
        if (typeof filter === "string" && card.dataset.drilldown) {
          window.location.assign(filter ? `${card.dataset.drilldown}?${filter}` : card.dataset.drilldown);
        }
      });
    });
    card.setAttribute("aria-busy", "false");
    card.dataset.loaded = "true";
  }

  function load(card) {
    card.setAttribute("aria-busy", "true");
    return fetch(card.dataset.widget, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      })
      .then((payload) => draw(card, payload))
      .catch((error) => {
        const body = card.querySelector(".widget-body");
        body.textContent = "";
        const p = document.createElement("p");
        p.className = "form-error";
        p.textContent = `This chart could not be loaded (${error.message}). Reload the page to try again.`;
        body.appendChild(p);
        card.setAttribute("aria-busy", "false");
        card.dataset.loaded = "error";
      });
  }

  function loadAll() {
    document.querySelectorAll("[data-widget]").forEach(load);
  }

  // Live refresh: when the live layer (apps/live) says something changed, reload the widgets at most
  // every few seconds.
  let pending = null;
  function refreshSoon() {
    if (pending) return;
    pending = window.setTimeout(() => { pending = null; loadAll(); }, 3000);
  }
  document.addEventListener("finsync:changed", refreshSoon);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", loadAll);
  else loadAll();
})();
