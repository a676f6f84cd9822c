// Adds the session's start and end in the viewer's own time zone, when the browser tells it.
// The page is complete without this: times are already shown in the session's zone and in a
// table of the participating countries.
(function () {
  "use strict";
  var target = document.getElementById("viewer-time");
  if (!target || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var start = new Date(target.dataset.start);
  var end = new Date(target.dataset.end);
  if (!zone || isNaN(start.getTime()) || isNaN(end.getTime())) {
    return;
  }
  // British English (day before month) and Brazilian Portuguese, as the server writes dates.
  var locale = {en: "en-GB", es: "es", pt: "pt-BR"}[document.documentElement.lang] || undefined;
  var day = new Intl.DateTimeFormat(locale, {
    weekday: "long", year: "numeric", month: "long", day: "numeric", timeZone: zone
  });
  var time = new Intl.DateTimeFormat(locale, {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone});
  // The same display form as the server's: the zone's city, without the region or underscores.
  var place = zone.split("/").pop().replace(/_/g, " ");
  var dayText = day.format(start);
  target.textContent = target.dataset.label + " (" + place + "): " + dayText + ", " +
    time.format(start) + "–" + time.format(end);
  target.hidden = false;
})();
