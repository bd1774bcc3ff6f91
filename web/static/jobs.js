// jobs.js turns the Jobs page's Undo buttons into a confirmation dialog
// with the job's totals and a second Undo button, which posts the totals
// shown. Without it, Undo opens the same confirmation as a page.
(function () {
  "use strict";
  var dialog = document.getElementById("undo-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var form = document.getElementById("undo-form");
  document.querySelectorAll("form.undo").forEach(function (undo) {
    undo.addEventListener("submit", function (e) {
      e.preventDefault();
      form.action = "/jobs/" + encodeURIComponent(undo.dataset.job) + "/undo";
      document.getElementById("undo-job").textContent = undo.dataset.job;
      document.getElementById("undo-summary").textContent = undo.dataset.summary;
      document.getElementById("undo-pairs").value = undo.dataset.pairs;
      dialog.showModal();
    });
  });
  document.getElementById("undo-cancel").addEventListener("click", function () { dialog.close(); });
}());
