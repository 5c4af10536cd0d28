// Searchable selects for long choice lists (Tom Select, vendored in static/vendor/tom-select).
// Every multi-select (clauses, reviewers, approvers …) becomes a search-as-you-type list of
// removable chips instead of a Ctrl-click list; a single select with many options (people,
// processes) becomes searchable. Fields opt in with data-searchable, which the shared form
// rendering (qualitas.core.forms.render_control) sets on every select. No inline styles: the
// Content-Security-Policy forbids them; Tom Select only sets CSSOM properties, which it allows.
(function () {
  "use strict";
  var MANY_OPTIONS = 25;

  function enhance(root) {
    if (!window.TomSelect || !root || !root.querySelectorAll) { return; }
    var selects = root.matches && root.matches("select[data-searchable]") ? [root] : [];
    selects = selects.concat(Array.prototype.slice.call(root.querySelectorAll("select[data-searchable]")));
    selects.forEach(function (select) {
      if (select.tomselect || select.disabled) { return; }
      var many = select.multiple;
      if (!many && select.options.length < MANY_OPTIONS) { return; }
      var settings = {
        maxOptions: null,
        allowEmptyOption: !many,
        hidePlaceholder: true,
        placeholder: many ? "Type to search and add…" : "Type to search…",
        plugins: many ? { remove_button: { title: "Remove" } } : {},
        render: {
          no_results: function () { return '<div class="no-results">No match</div>'; }
        }
      };
      if (many) { settings.closeAfterSelect = false; }
      new window.TomSelect(select, settings);
    });
  }

  // htmx "settles" a swapped element by copying the old element's class, style, width and height
  // onto the new one. Copying `style` writes a style attribute, which the CSP refuses on every
  // swap where the old element carried a style (Bootstrap and Tom Select set CSSOM properties, which
  // the CSP allows but which appear as a style attribute): settle everything but style.
  if (window.htmx && window.htmx.config) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // htmx fires htmx:load on every element it swaps in (and on the body at start).
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  window.qualitasWidgets = { enhance: enhance };
})();
