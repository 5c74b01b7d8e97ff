// vendorrisk supplier portal: small additions on top of forms that work without JavaScript.
// - the error summary or conflict message takes focus, so screen readers announce it;
// - leaving a questionnaire page with unsaved answers asks first.
(function () {
  "use strict";
  var first = document.getElementById("error-summary") || document.getElementById("conflict");
  if (first) { first.setAttribute("tabindex", "-1"); first.focus(); }
  var form = document.getElementById("answers");
  if (!form) { return; }
  var dirty = false;
  document.addEventListener("change", function (e) {
    if (e.target && e.target.getAttribute && e.target.getAttribute("form") === "answers") { dirty = true; }
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
})();
