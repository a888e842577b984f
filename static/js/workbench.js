// Workbench list: tick rows for a bulk action, "tick all on this page", and show only the fields of the
// chosen bulk action. Without this script every field stays visible and the form still works. No inline
// script, no eval (CSP).
(function () {
  "use strict";

  const form = document.getElementById("bulk-form");
  if (!form) return;
  const select = form.querySelector("[data-bulk-action]");
  const selectedLabel = form.querySelector("[data-bulk-selected]");

  function boxes() {
    return Array.from(document.querySelectorAll("input[type=checkbox][name=ids][form=bulk-form]"));
  }

  function showFields() {
    form.querySelectorAll("[data-bulk-fields]").forEach(function (fieldset) {
      const active = fieldset.dataset.bulkFields === select.value;
      fieldset.hidden = !active;
      fieldset.disabled = !active;  // disabled fields are not submitted
    });
  }

  function countTicked() {
    const ticked = boxes().filter(function (box) { return box.checked; }).length;
    selectedLabel.textContent = ticked ? ticked + " ticked" : "ticked";
  }

  select.addEventListener("change", showFields);
  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("[data-select-all], input[name=ids]")) countTicked();
  });
  showFields();
  countTicked();
}());
