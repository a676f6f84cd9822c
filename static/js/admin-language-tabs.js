/* The language tabs of translated fields (django-modeltranslation) in the staff member's language.

   modeltranslation builds the tabs and, beside the page title, a switch that moves every tab at once;
   the switch always opened on its first option ("EN"), whatever language the tabs were on, and a tab
   of an inline row never showed that its field had an error. This runs after modeltranslation (a
   later jQuery ready handler) and:
   - opens the switch on the page's language and names the languages in it ("Español", not "es");
   - marks every tab whose field has an error (class "ui-tab-has-errors", "has an error" in its name);
   - opens the tab of a field when its link in the error summary at the top is followed.
   The texts come from the page (#language-tab-texts, written by templates/admin/change_form.html). */
(function () {
  "use strict";
  var jQuery = window.django && window.django.jQuery;
  if (!jQuery) {
    return;
  }

  function texts() {
    var holder = document.getElementById("language-tab-texts");
    var names = {};
    if (!holder) {
      return { names: names, switchLabel: "", tabError: "" };
    }
    holder.content.querySelectorAll("[data-code]").forEach(function (item) {
      names[item.dataset.code] = item.textContent;
    });
    return { names: names, switchLabel: holder.dataset.switchLabel, tabError: holder.dataset.tabError };
  }

  function pageLanguage() {
    return (document.documentElement.lang || "").toLowerCase().split("-")[0];
  }

  function setUpSwitch(words) {
    var select = document.getElementById("modeltranslation-main-switch");
    if (!select) {
      return;
    }
    var own = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var code = option.textContent.trim().toLowerCase().replace("-", "_");
      option.lang = code;
      option.dataset.code = code;
      if (words.names[code]) {
        option.textContent = words.names[code];
      }
      if (code === pageLanguage()) {
        own = option.value;
      }
    });
    // Only the value shown: the tabs already opened on this language (or on a field's error).
    if (own !== null) {
      select.value = own;
    }
    if (words.switchLabel && !document.querySelector("label[for='modeltranslation-main-switch']")) {
      var label = document.createElement("label");
      label.htmlFor = select.id;
      label.className = "language-switch-label";
      label.textContent = words.switchLabel;
      select.parentNode.insertBefore(label, select);
    }
  }

  function markErrorTabs(words) {
    document.querySelectorAll(".ui-tabs-panel").forEach(function (panel) {
      var failed = panel.querySelector(".errorlist li, [aria-invalid='true']");
      var tab = document.querySelector(".ui-tabs-nav li[aria-controls='" + panel.id + "']");
      if (!failed || !tab || tab.classList.contains("tab-error-named")) {
        return;
      }
      tab.classList.add("ui-tab-has-errors", "tab-error-named");
      var anchor = tab.querySelector("a");
      if (anchor && words.tabError) {
        var note = document.createElement("span");
        note.className = "visually-hidden";
        note.textContent = " (" + words.tabError + ")";
        anchor.appendChild(note);
        anchor.title = (anchor.title ? anchor.title + ": " : "") + words.tabError;
      }
    });
  }

  function openTabOf(field) {
    var panel = field && field.closest(".ui-tabs-panel");
    if (!panel) {
      return;
    }
    var anchor = document.querySelector(".ui-tabs-nav li[aria-controls='" + panel.id + "'] a");
    if (anchor) {
      anchor.click();
    }
  }

  function followSummaryLinks() {
    document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        if (!field) {
          return;
        }
        event.preventDefault();
        openTabOf(field);
        field.scrollIntoView({ block: "center" });
        field.focus();
      });
    });
  }

  jQuery(function () {
    var words = texts();
    setUpSwitch(words);
    markErrorTabs(words);
    followSummaryLinks();
  });
})();
