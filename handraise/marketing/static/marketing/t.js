/* Handraise site script, served at /t.js: add it to your own site's pages with
   <script src="https://YOUR-HANDRAISE/t.js" defer></script>
   It records a visit to each page, keeps the campaign (UTM tags) and referrer a
   visit landed with, and gives forms that post to Handraise the visitor id and the
   first visit's tags. With Global Privacy Control or Do Not Track on, it stores
   nothing in the browser and sends no id. It loads nothing from anywhere else. */
(function () {
  "use strict";
  var me = document.currentScript, n = navigator, w = window;
  if (!me || !w.JSON || !w.URL || !w.crypto) return;
  var base = new URL(me.src).origin;
  var quiet = n.globalPrivacyControl === true || n.doNotTrack === "1" ||
    w.doNotTrack === "1";
  var TAGS = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"];

  function storage(name) {
    if (quiet) return null;
    try { var s = w[name]; s.setItem("hr_", "1"); s.removeItem("hr_"); return s; }
    catch (e) { return null; }
  }
  var local = storage("localStorage"), session = storage("sessionStorage");
  function get(s, key) {
    try { return s ? JSON.parse(s.getItem(key)) : null; } catch (e) { return null; }
  }
  function put(s, key, value) { try { if (s) s.setItem(key, JSON.stringify(value)); } catch (e) {} }
  function token() {
    var bytes = new Uint8Array(16), out = "";
    w.crypto.getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] + 256).toString(16).slice(1);
    return out;
  }

  var query = new URLSearchParams(location.search), tags = {}, tagged = false;
  TAGS.forEach(function (key) {
    var value = (query.get(key) || "").slice(0, 200);
    tags[key] = value;
    if (value) tagged = true;
  });
  var referrer = "";
  try { if (document.referrer && new URL(document.referrer).host !== location.host) referrer = document.referrer; }
  catch (e) {}
  var page = location.href.split("#")[0].slice(0, 2000);

  // A visit's landing (its tags and referrer) belongs to every page of the visit.
  var landing = { tags: tags, referrer: referrer };
  var visit = get(session, "hr_visit");
  if (!visit || tagged || referrer) put(session, "hr_visit", visit = landing);
  // The same key as the form script's (handraise-form.js): one id per browser.
  var visitor = "";
  try { visitor = local ? local.getItem("hr_visitor") || "" : ""; } catch (e) {}
  if (local && !/^[\w-]{16,64}$/.test(visitor)) try { local.setItem("hr_visitor", visitor = token()); } catch (e) {}
  // The first landing that came with tags: forms carry its campaign.
  var first = get(local, "hr_first");
  if (!first && tagged) put(local, "hr_first", first = landing);
  first = first || landing;

  var event = { id: token(), visitor: visitor || "", url: page, referrer: visit.referrer.slice(0, 2000) };
  TAGS.forEach(function (key) { if (visit.tags[key]) event[key] = visit.tags[key]; });
  var body = JSON.stringify(event), endpoint = base + "/t/";
  if (!(n.sendBeacon && n.sendBeacon(endpoint, body)) && w.fetch) {
    fetch(endpoint, { method: "POST", body: body, keepalive: true, mode: "no-cors", credentials: "omit" })
      .catch(function () {});
  }

  function fill(form) {
    var action;
    try { action = new URL(form.getAttribute("action") || "", location.href); } catch (e) { return; }
    if (action.origin !== base || action.pathname.indexOf("/f/") !== 0) return;
    // hr_page is where the form was sent from, as the form script has it.
    var values = { hr_visitor: visitor || "", hr_referrer: first.referrer, hr_page: page };
    TAGS.forEach(function (key) { values[key] = first.tags[key]; });
    Object.keys(values).forEach(function (key) {
      if (!values[key]) return;
      var input = form.querySelector('input[name="' + key + '"]');
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = key;
        form.appendChild(input);
      }
      if (!input.value) input.value = values[key];
    });
  }
  document.addEventListener("submit", function (e) { if (e.target.tagName === "FORM") fill(e.target); }, true);
  function fillAll() { Array.prototype.forEach.call(document.forms, fill); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fillAll);
  else fillAll();
})();
