// django-celery-beat's crontab translation on the periodic task admin form (was an inline script).
"use strict";
(function () {
  const $ = window.django && window.django.jQuery;
  const data = document.getElementById("readable-crontabs");
  const me = document.getElementById("periodic-task-overrides");
  if (!$ || !data || !me) return;
  const readableCrontabs = JSON.parse(data.textContent);
  const originalHelp = me.dataset.crontabHelp || "";
  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    const help = document.querySelector(".field-crontab .help");
    if (!help) return;
    help.textContent = originalHelp;
    help.appendChild(document.createElement("br"));
    help.appendChild(document.createTextNode("Translation: " + (readableCrontabs[$("#id_crontab").val()] || "")));
  });
})();
