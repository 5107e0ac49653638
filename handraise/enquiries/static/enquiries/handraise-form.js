/*
 * Handraise form script (optional). Add it next to the HTML snippet:
 *   <script src="https://YOUR-HANDRAISE/static/enquiries/handraise-form.js" defer></script>
 * It finds forms marked data-handraise, remembers the visitor's id (so the
 * enquiry shows which pages they read), and submits in place as JSON. Without
 * it the snippet still works as a plain form post.
 */
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "v" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function visitorId() {
    // A browser that asks not to be tracked keeps no id (as the site script, /t.js).
    if (navigator.globalPrivacyControl === true || navigator.doNotTrack === "1") { return ""; }
    try {
      var id = localStorage.getItem("hr_visitor");
      if (!id) { id = uuid(); localStorage.setItem("hr_visitor", id); }
      return id;
    } catch (e) { return ""; }
  }

  function setHidden(form, name, value) {
    var input = form.querySelector("input[name='" + name + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function showErrors(form, errors) {
    form.querySelectorAll(".hr-error").forEach(function (el) { el.remove(); });
    Object.keys(errors).forEach(function (name) {
      var field = form.querySelector("[name='" + name + "']") || form.querySelector("button");
      var note = document.createElement("span");
      note.className = "hr-error";
      note.setAttribute("role", "alert");
      note.textContent = errors[name].join(" ");
      field.insertAdjacentElement("afterend", note);
    });
  }

  function prepare(form) {
    setHidden(form, "hr_visitor", visitorId());
    setHidden(form, "hr_started", String(Date.now()));
    setHidden(form, "hr_page", location.href);
    setHidden(form, "hr_referrer", document.referrer);
    // One id per form load: a retried or double-clicked submission is one enquiry.
    setHidden(form, "hr_submission_id", uuid());
    var params = new URLSearchParams(location.search);
    ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"].forEach(function (key) {
      if (params.get(key)) { setHidden(form, key, params.get(key)); }
    });

    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }  // the plain post still works
      event.preventDefault();
      var data = {};
      new FormData(form).forEach(function (value, key) { data[key] = String(value); });
      var button = form.querySelector("button[type='submit'], button:not([type])");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST",
        headers: {"Content-Type": "application/json", "Idempotency-Key": data.hr_submission_id},
        body: JSON.stringify(data)
      }).then(function (response) {
        if (response.status === 201) {
          var thanks = document.createElement("p");
          thanks.className = "hr-thanks";
          thanks.setAttribute("role", "status");
          thanks.textContent = form.getAttribute("data-thanks") ||
            "Thank you — we have your message and will reply shortly.";
          form.replaceWith(thanks);
          return;
        }
        if (button) { button.disabled = false; }
        if (response.status === 422) {
          return response.json().then(function (body) { showErrors(form, body.errors || {}); });
        }
        form.submit();  // anything unexpected: let the browser post it the plain way
      }).catch(function () { form.submit(); });
    });
  }

  function start() {
    document.querySelectorAll("form[data-handraise]").forEach(prepare);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
