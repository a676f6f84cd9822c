// Registration and details forms. Everything here is a shortcut: without JavaScript every field is
// visible with a hint saying when it applies, and the server derives a one-zone country's time zone.
//  - the country filters the institution and time-zone lists to that country's entries;
//  - a country with one time zone needs no choice: the field is hidden and set;
//  - the browser's own zone (and its country, when none is chosen yet) is preselected;
//  - fields that apply only to one answer are shown only for that answer;
//  - after a failed submission, focus goes to the error summary.
(function () {
  "use strict";
  var form = document.querySelector(".registration-form");
  if (!form) {
    return;
  }
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  var redisplayed = !!form.querySelector(".is-invalid");
  var country = document.getElementById("id_country");
  var zone = document.getElementById("id_time_zone");
  var browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    browserZone = "";
  }

  function optionsOf(select) {
    return Array.prototype.slice.call(select.querySelectorAll("option[data-country]"));
  }

  // Show only the options (and option groups) of the chosen country; "—" and "Other" always stay.
  function filter(select, code) {
    optionsOf(select).forEach(function (option) {
      var match = !code || option.dataset.country === code;
      option.hidden = !match;
      option.disabled = !match;
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var visible = group.querySelector("option:not([hidden])");
      group.hidden = !visible;
    });
    var selected = select.options[select.selectedIndex];
    if (selected && selected.disabled) {
      select.value = "";
    }
  }

  function zonesOf(code) {
    return optionsOf(zone).filter(function (option) {
      return option.dataset.country === code;
    });
  }

  function updateZone(initial) {
    if (!zone) {
      return;
    }
    var code = country.value;
    var wrapper = document.getElementById("div_id_time_zone") || zone.parentNode;
    var note = document.getElementById("zone-chosen");
    var labels = document.getElementById("zone-labels");
    filter(zone, code);
    var zones = code ? zonesOf(code) : [];
    if (zones.length === 1) {
      zone.value = zones[0].value;
      wrapper.hidden = true;
      if (note && labels) {
        note.textContent = labels.dataset.oneZone.replace("{zone}", zones[0].textContent);
        note.hidden = false;
      }
      return;
    }
    wrapper.hidden = false;
    if (note) {
      note.hidden = true;
    }
    if (initial && redisplayed) {
      return;
    }
    var values = zones.map(function (option) { return option.value; });
    if (values.indexOf(zone.value) === -1) {
      zone.value = values.indexOf(browserZone) !== -1 ? browserZone : "";
    }
  }

  if (country) {
    var institution = document.getElementById("id_institution");
    if (!country.value && !redisplayed && zone) {
      // A first visit: guess the country from the browser's zone (people can change it).
      var guess = zone.querySelector('option[value="' + browserZone.replace(/"/g, "") + '"]');
      if (guess && guess.dataset.country) {
        country.value = guess.dataset.country;
        zone.value = browserZone;
      }
    }
    var onCountry = function (initial) {
      if (institution) {
        filter(institution, country.value);
        // No institution of this country is listed yet: nothing to choose, so no list (and no
        // "Other" chosen for the person); the name field is shown instead.
        var none = !!country.value && !institution.querySelector("option[data-country]:not([hidden])");
        var listWrapper = document.getElementById("div_id_institution");
        if (listWrapper) {
          listWrapper.hidden = none;
        }
        institution.dataset.none = none ? "1" : "";
        if (none) {
          institution.value = "";
        }
        institution.dispatchEvent(new Event("change"));
      }
      updateZone(initial);
    };
    country.addEventListener("change", function () { onCountry(false); });
    onCountry(true);
  }

  // Fields that apply to one answer only: [field's wrapper, the control it depends on, the answer].
  [
    ["div_id_institution_name", "id_institution", "other"],
    ["div_id_gender_self_described", "id_gender", "self_described"]
  ].forEach(function (rule) {
    var wrapper = document.getElementById(rule[0]);
    var control = document.getElementById(rule[1]);
    if (!wrapper || !control) {
      return;
    }
    var hint = wrapper.querySelector(".form-text");
    var sync = function () {
      var applies = control.value === rule[2] || control.dataset.none === "1";
      wrapper.hidden = !applies;
      if (hint) {
        hint.hidden = true; // the hint explains the no-JavaScript case only
      }
    };
    control.addEventListener("change", sync);
    sync();
  });
})();
