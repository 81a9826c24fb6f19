/* SPDX-License-Identifier: EUPL-1.2
   Conditional form fields (forms/render: x-showWhen): a field wrapped in
   <div class="field-conditional" data-show-when="f.other" data-show-equals="JSON">
   is hidden while the control named data-show-when does not have that value (or,
   without data-show-equals, is empty). Without JavaScript every field is shown; the
   server's schema decides what is required. */
(function () {
  "use strict";

  function currentValue(form, name) {
    var controls = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if (c.type === "radio" || c.type === "checkbox") {
        if (c.checked) return c.type === "checkbox" && c.value === "on" ? "true" : c.value;
      } else if (c.value !== "") {
        return c.value;
      }
    }
    return "";
  }

  function matches(value, equalsJson) {
    if (equalsJson === null) return value !== "";
    var expected;
    try { expected = JSON.parse(equalsJson); } catch (e) { return true; }
    if (typeof expected === "boolean") return value === String(expected);
    return value === String(expected);
  }

  function apply(root) {
    var wrappers = root.querySelectorAll(".field-conditional[data-show-when]");
    wrappers.forEach(function (w) {
      var form = w.closest("form") || root;
      var show = matches(
        currentValue(form, w.getAttribute("data-show-when")),
        w.getAttribute("data-show-equals")
      );
      w.hidden = !show;
    });
  }

  function watch(root) {
    apply(root);
    if (root.dataset && root.dataset.conditionsWatched) return;
    if (root.dataset) root.dataset.conditionsWatched = "1";
    root.addEventListener("change", function () { apply(root); });
    root.addEventListener("input", function () { apply(root); });
  }

  window.pkipFormConditions = watch;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(watch);
  });
})();
