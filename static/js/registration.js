// Registration form: preselect the visitor's own time zone when the browser tells it and the
// person has not chosen one yet. The form works the same without this.
(function () {
  "use strict";
  var select = document.getElementById("id_time_zone");
  if (!select || select.dataset.touched || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var form = select.form;
  if (form && form.querySelector(".is-invalid")) {
    return; // a re-displayed form keeps what the person chose
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) {
    select.value = zone;
  }
})();
