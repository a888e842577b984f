// Main navigation menus (<details> in templates/base.html) work without this file: a click, Enter or Space
// opens and closes each. This only keeps one open at a time and closes them on Escape (focus back on the
// menu's button) or on a click elsewhere. No inline script, no eval (CSP).
(function () {
  "use strict";

  const menus = Array.from(document.querySelectorAll(".mainnav details.navmenu"));
  if (!menus.length) return;

  function closeAll(except) {
    menus.forEach(function (menu) { if (menu !== except) menu.open = false; });
  }

  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) closeAll(menu); });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".mainnav details.navmenu")) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = menus.find(function (menu) { return menu.open; });
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
})();
