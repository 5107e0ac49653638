/* Copy an address with one click: the calendar feed, tracked links.
 *
 * A button marked data-copy="ID" copies the value of the field with that id and
 * says so in the element marked data-copy-status="ID".
 * Without JavaScript the address sits in a read-only field to select and copy,
 * and the copy buttons stay hidden. Clicks are handled on the document, so the
 * buttons keep working after htmx swaps the address in after a rotation.
 */
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function say(id, words) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) {
      status.textContent = words;
    }
  }

  function copyBySelecting(field, id) {
    field.focus();
    field.select();
    try {
      say(id, document.execCommand("copy") ? "Copied." : "Press Ctrl+C (⌘C) to copy.");
    } catch (error) {
      say(id, "Press Ctrl+C (⌘C) to copy.");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    if (!field) {
      return;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { say(id, "Copied."); },
        function () { copyBySelecting(field, id); }
      );
    } else {
      copyBySelecting(field, id);
    }
  });

  document.addEventListener("htmx:afterSettle", reveal);
  reveal();
})();
