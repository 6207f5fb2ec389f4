// The review console's impact preview: poll the preview's status while it runs, move the
// progress bar, and reload the page when it has finished (the table comes from the server).
(function () {
  "use strict";
  var section = document.getElementById("preview");
  if (!section || !section.dataset.statusUrl) { return; }
  var bar = document.getElementById("preview-progress");
  var count = document.getElementById("preview-count");
  var status = document.getElementById("preview-status");
  function poll() {
    fetch(section.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (state) {
        bar.max = Math.max(state.total, 1);
        bar.value = state.done;
        bar.textContent = count.textContent = state.done + " of " + state.total;
        status.textContent = state.status;
        if (state.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
