// job.js keeps a running job's page current: it polls the job's progress
// and, once the job has ended, reloads the page to show how it ended. The
// page shows the state without it; this only saves the reload.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var url = "/jobs/" + encodeURIComponent(box.dataset.job) + "/progress";
  var every = 1000, failures = 0;

  function show(p) {
    bar.max = p.pairs;
    bar.value = p.ended;
    bar.textContent = p.ended + " of " + p.pairs;
    text.textContent = p.text;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) {
        var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!r.ok || !json) { throw new Error("progress: " + r.status); }
        return r.json();
      })
      .then(function (p) {
        failures = 0;
        show(p);
        if (p.status !== "running") { window.location.reload(); return; }
        window.setTimeout(poll, every);
      })
      .catch(function () {
        // Signed out, or the server is restarting: try again more slowly;
        // a reload shows whatever the page can.
        failures++;
        if (failures === 6) {
          text.textContent += " (no news from the server for a while: reload the page)";
        }
        window.setTimeout(poll, Math.min(every * (failures + 1), 10000));
      });
  }
  window.setTimeout(poll, every);
}());
