// Draws every chart on the page from its JSON island (no inline script, CSP-friendly).
// A click on a bar that carries a filter opens the workbench filtered to it.
document.querySelectorAll("[data-chart]").forEach((el) => {
  const figure = JSON.parse(document.getElementById(el.dataset.chart).textContent);
  Plotly.newPlot(el, figure.data, figure.layout, { responsive: true, displaylogo: false });
  el.on("plotly_click", (event) => {
    const filter = event.points[0] && event.points[0].customdata;
    if (filter && el.dataset.drilldown) window.location = `${el.dataset.drilldown}?${filter}`;
  });
});
