// Adds times in the viewer's own time zone, when the browser tells it, beside the session's: the
// session's start and end ([data-viewer-time="full"]: day and times, on the session page and the
// home list) and each agenda slot ([data-viewer-time="times"]). The page is complete without this:
// times are already shown in the session's zone and in a table of the participating countries.
// Nothing is added when the viewer's zone gives the same times as the session's.
(function () {
  "use strict";
  var targets = document.querySelectorAll("[data-viewer-time]");
  if (!targets.length || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) {
    return;
  }
  // British English (day before month) and Brazilian Portuguese, as the server writes dates.
  var locale = {en: "en-GB", es: "es", pt: "pt-BR"}[document.documentElement.lang] || undefined;
  var formats = {};
  function format(kind, timeZone) {
    var key = kind + "|" + timeZone;
    if (!formats[key]) {
      var options = kind === "day"
        ? {weekday: "long", year: "numeric", month: "long", day: "numeric", timeZone: timeZone}
        : {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: timeZone};
      formats[key] = new Intl.DateTimeFormat(locale, options);
    }
    return formats[key];
  }
  // The same display form as the server's: the zone's city, without the region or underscores.
  var place = zone.split("/").pop().replace(/_/g, " ");
  Array.prototype.forEach.call(targets, function (target) {
    var start = new Date(target.dataset.start);
    var end = new Date(target.dataset.end);
    if (isNaN(start.getTime()) || isNaN(end.getTime())) {
      return;
    }
    var sessionZone = target.dataset.zone;
    if (sessionZone) {
      var same = format("day", sessionZone).format(start) === format("day", zone).format(start) &&
        format("time", sessionZone).format(start) === format("time", zone).format(start);
      if (same) {
        return;
      }
    }
    var times = format("time", zone).format(start) + "–" + format("time", zone).format(end);
    if (target.dataset.viewerTime === "times") {
      target.textContent = target.dataset.label + " (" + place + "): " + times;
    } else {
      target.textContent = target.dataset.label + " (" + place + "): " + format("day", zone).format(start) + ", " + times;
    }
    target.hidden = false;
  });
})();
