// Progress of a queued task: simple polling, then the page reloads to show the result.
(function () {
  "use strict";
  function poll(el) {
    var url = el.getAttribute("data-tache-url");
    var bar = el.querySelector("progress");
    var msg = el.querySelector(".tache-message");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (t) {
        bar.value = t.progression;
        bar.textContent = t.progression + " %";
        msg.textContent = t.message;
        if (t.fini) { window.location.reload(); } else { setTimeout(function () { poll(el); }, 1000); }
      })
      .catch(function () { setTimeout(function () { poll(el); }, 3000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-tache-url]").forEach(poll);
    // The drop zone: dragging files onto it fills the file input.
    document.querySelectorAll("form.depot").forEach(function (form) {
      var input = form.querySelector("input[type=file]");
      var zone = form.querySelector(".zone");
      ["dragenter", "dragover"].forEach(function (ev) {
        zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("survol"); });
      });
      ["dragleave", "drop"].forEach(function (ev) {
        zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("survol"); });
      });
      zone.addEventListener("drop", function (e) {
        input.files = e.dataTransfer.files;
        zone.textContent = input.files.length + " fichier(s) prêt(s) : cliquez sur « Envoyer les fichiers ».";
      });
    });
  });
})();
