/* Progressive enhancement only: every form also works as a plain POST without this file. */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var RETRY_MS = 5000;
  var PLAN_POLL_MS = 1000;

  function enhanceUpload(form) {
    if (!window.FormData || !window.XMLHttpRequest) {
      return;
    }
    var box = form.querySelector("[data-upload-progress]");
    var bar = box ? box.querySelector("progress") : null;
    var status = form.querySelector("[data-upload-status]");
    var button = form.querySelector("button[type=submit]");

    // The page's language: the form carries its texts (data-text-*), English when it does not.
    function label(name, fallback) {
      return form.getAttribute("data-text-" + name) || fallback;
    }
    function show(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", Boolean(isError));
    }
    function finished() {
      button.disabled = false;
      if (box) { box.hidden = true; }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable || !bar) { return; }
        var pct = Math.round((e.loaded * 100) / e.total);
        bar.value = pct;
        bar.textContent = pct + " %";
        show(label("uploading", "Uploading\u2026") + " " + pct + " %", false);
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
        if (xhr.status >= 200 && xhr.status < 300 && body && body.redirect) {
          show(label("uploaded", "Uploaded. Updating the page\u2026"), false);
          window.location.assign(body.redirect);
          return;
        }
        finished();
        show((body && body.error) || label("failed", "The upload did not go through (HTTP {status}). " +
             "Reload the page and try again.").replace("{status}", String(xhr.status)), true);
      });
      xhr.addEventListener("error", function () {
        finished();
        show(label("interrupted", "The upload was interrupted. Check the connection and try again."), true);
      });
      button.disabled = true;
      if (box) { box.hidden = false; }
      if (bar) { bar.value = 0; }
      show(label("uploading", "Uploading\u2026"), false);
      xhr.send(new FormData(form));
    });
  }

  // Ask `url` for JSON every `every` ms; `next(body)` says what then: "again", "refresh" (show
  // the page again, with what changed) or anything else to stop. Network trouble retries.
  function poll(url, every, next) {
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (body) {
          var then = next(body);
          if (then === "again") { window.setTimeout(tick, every); } else if (then === "refresh") { refreshMain(); }
        })
        .catch(function () { window.setTimeout(tick, RETRY_MS); });
    }
    window.setTimeout(tick, every);
  }

  function pollStatus(element) {
    var url = element.getAttribute("data-status-url");
    var shown = element.getAttribute("data-state");
    var shownCheck = element.getAttribute("data-check") || null;
    if (!url || !window.fetch) { return; }
    poll(url, POLL_MS, function (status) {
      if (status.state !== shown || (status.check_status || null) !== shownCheck) { return "refresh"; }
      return status.assessment_pending || status.check_pending ? "again" : "stop";
    });
  }

  // The sourcing planner: wait for the worker's outcome, then show the page with it.
  function pollPlan(element) {
    var url = element.getAttribute("data-plan-poll");
    if (!url || !window.fetch) { return; }
    poll(url, PLAN_POLL_MS, function (plan) { return plan.state === "pending" ? "again" : "refresh"; });
  }

  // Swap in the server-rendered page's <main> without reloading, so the result appears in place
  // (focus and scroll position stay); a full reload is the fallback if anything goes wrong.
  function refreshMain() {
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var current = document.getElementById("main");
        if (!fresh || !current) { throw new Error("no main element"); }
        current.innerHTML = fresh.innerHTML;
        enhance(current);
      })
      .catch(function () { window.location.reload(); });
  }

  function enhance(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-upload]"), enhanceUpload);
    Array.prototype.forEach.call(root.querySelectorAll("[data-poll][data-status-url]"), pollStatus);
    Array.prototype.forEach.call(root.querySelectorAll("[data-plan-poll]"), pollPlan);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
}());
