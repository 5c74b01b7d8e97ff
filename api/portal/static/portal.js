// vendorrisk supplier portal: small additions on top of forms that work without JavaScript.
// - the error summary or conflict message takes focus, so screen readers announce it;
// - leaving a questionnaire page with unsaved answers asks first;
// - conditional questions show (and their fields enable) as soon as the answer they depend on holds,
//   instead of after the save; hidden again, their fields are disabled so they are not sent.
(function () {
  "use strict";
  var first = document.getElementById("error-summary") || document.getElementById("conflict");
  if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
  var form = document.getElementById("answers");
  if (!form) { return; }
  function values(key) {
    var out = [];
    document.querySelectorAll("[form=answers]").forEach(function (el) {
      if (el.name !== "a." + key || el.disabled) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { out.push(el.value); }
      } else if (el.value) {
        out.push(el.value);
      }
    });
    return out;
  }
  function shown(key) {
    var block = document.getElementById("q-" + key);
    return block !== null && !block.hidden;
  }
  function conditions() {
    for (var round = 0, changed = true; changed && round < 20; round++) {
      changed = false;
      document.querySelectorAll("[data-cond]").forEach(function (block) {
        var key = block.getAttribute("data-cond"), anyOf = JSON.parse(block.getAttribute("data-any"));
        var show = shown(key) && values(key).some(function (v) { return anyOf.indexOf(v) >= 0; });
        if (show === !block.hidden) { return; }
        block.hidden = !show;
        block.querySelectorAll("[form=answers]").forEach(function (el) { el.disabled = !show; });
        changed = true;
      });
    }
  }
  document.addEventListener("change", conditions);
  var dirty = false;
  document.addEventListener("change", function (e) {
    if (e.target && e.target.getAttribute && e.target.getAttribute("form") === "answers") { dirty = true; }
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
})();
