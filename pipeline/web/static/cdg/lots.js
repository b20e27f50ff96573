// A folder chosen in the browser: the server receives each file's name only, so its path inside
// the folder (the agent's sub-folder) is sent beside it, in the same order.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.lot").forEach(function (form) {
      var input = form.querySelector("input[name=dossier]");
      input.addEventListener("change", function () {
        form.querySelectorAll("input[name=chemins]").forEach(function (x) { x.remove(); });
        Array.prototype.forEach.call(input.files, function (f) {
          var h = document.createElement("input");
          h.type = "hidden";
          h.name = "chemins";
          h.value = f.webkitRelativePath || f.name;
          form.appendChild(h);
        });
      });
    });
  });
})();
