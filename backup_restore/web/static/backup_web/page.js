// The restore form refuses a wrong file type or a file over the server's limit before any
// byte is sent: the browser knows the file's name and size. The server checks again (415/413).
(function () {
  "use strict";
  var ACCEPTED = [".zst", ".ndjson", ".json", ".gz"];

  function check(form, input) {
    var error = document.getElementById("file-error");
    var file = input.files && input.files[0];
    var message = "";
    if (file) {
      var name = file.name.toLowerCase();
      if (!ACCEPTED.some(function (suffix) { return name.endsWith(suffix); })) {
        message = form.dataset.wrongType;
      } else if (file.size > Number(form.dataset.maxBytes)) {
        message = form.dataset.tooLarge;
      }
    }
    input.setCustomValidity(message);
    if (error) { error.textContent = message; }
    return !message;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("restore-form");
    if (!form) { return; }
    var input = form.querySelector("input[type=file]");
    input.addEventListener("change", function () {
      check(form, input);
      var upload = form.querySelector("input[name=source][value=upload]");
      if (input.files.length && upload) { upload.checked = true; }
    });
    form.addEventListener("submit", function (event) {
      if (!check(form, input)) { event.preventDefault(); input.focus(); }
    });
  });
})();
