// Keeps the Inbox's "due in ..." countdowns live without reloading the page.
// Each countdown is an element with data-due (ISO 8601); the server renders the
// same text first, so the page reads correctly without JavaScript.
(function () {
  "use strict";

  function span(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    if (minutes < 1) { return "under a minute"; }
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var parts = [];
    if (days) { parts.push(days + " d"); }
    if (hours) { parts.push(hours + " h"); }
    if (!days) { parts.push(mins + " min"); }
    return parts.join(" ");
  }

  function update() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var seconds = (Date.parse(el.getAttribute("data-due")) - now) / 1000;
      if (isNaN(seconds)) { return; }
      el.textContent = seconds >= 0 ? "due in " + span(seconds) : "overdue by " + span(seconds);
      el.classList.toggle("clock-overdue", seconds < 0);
      el.classList.toggle("clock-soon", seconds >= 0 && seconds < 900);
      el.classList.toggle("clock-ok", seconds >= 900);
    });
  }

  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:afterSwap", update);
  setInterval(update, 15000);
})();
