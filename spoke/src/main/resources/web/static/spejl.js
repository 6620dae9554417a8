// The little the pages do with script; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A ticked or unticked filter searches at once (the "apply" button does the same without script).
  document.querySelectorAll("input.autosubmit").forEach(function (box) {
    box.addEventListener("change", function () {
      var form = box.form;
      var cursor = form.querySelector("input[name=cursor]");
      if (cursor) { cursor.remove(); }
      form.submit();
    });
  });
  // Copy a record's id.
  document.querySelectorAll("button.copy-button").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      var status = button.parentElement.querySelector(".copied");
      field.select();
      var done = function () { if (status) { status.textContent = status.dataset.copied; } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
});
