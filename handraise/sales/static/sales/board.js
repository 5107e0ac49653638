/* The pipeline board: drag a card to another column to move its deal.
 *
 * A drop (or a card's "Move to" menu) opens the move form in a dialog: the next
 * step for an open stage, the outcome for won and lost. Nothing moves until that
 * form is sent; cancelling puts the card back. The form posts with the CSRF token
 * it carries, the server answers with a partial, and the board is reloaded from
 * the server, so what it shows is always what the database holds. When someone
 * else moved the deal first, the dialog says so and the board reloads.
 *
 * Without JavaScript the same menus and forms work as plain pages.
 */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  var dialog = document.getElementById("move-dialog");
  var dialogBody = document.getElementById("move-dialog-body");
  var status = document.getElementById("board-status");
  if (!board || !dialog || !dialogBody || typeof Sortable === "undefined") {
    return;
  }

  var sortables = [];
  var pending = null; // the dragged card, to put back when the move is cancelled
  var focusDeal = null; // the deal whose card gets the focus back

  function setUp() {
    sortables.forEach(function (sortable) { sortable.destroy(); });
    sortables = [];
    board.querySelectorAll(".card-list").forEach(function (list) {
      sortables.push(Sortable.create(list, {
        group: { name: "deals", pull: !list.hasAttribute("data-closed"), put: true },
        sort: false,
        draggable: ".card",
        filter: "a, button, select, input, label",
        preventOnFilter: false,
        animation: 150,
        onEnd: dropped
      }));
    });
  }

  function dropped(event) {
    if (event.from === event.to) {
      return;
    }
    var card = event.item;
    pending = { card: card, from: event.from, index: event.oldIndex };
    focusDeal = card.dataset.deal;
    var query = new URLSearchParams({
      stage: event.to.dataset.stage,
      expected_stage: card.dataset.stage
    });
    openForm(card.querySelector("form[data-card-move]").action + "?" + query.toString());
  }

  function openForm(url) {
    request(url, { method: "GET" }).then(function (answer) {
      show(answer.html);
      if (answer.status === 409) {
        reload();
      }
    }, failed);
  }

  function request(url, options) {
    options.headers = Object.assign({ "HX-Request": "true" }, options.headers || {});
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      return response.text().then(function (html) {
        return { status: response.status, ok: response.ok, html: html };
      });
    });
  }

  function show(html) {
    // The server's partial: escaped by its templates, no script (the CSP forbids it).
    dialogBody.innerHTML = html;
    if (!dialog.open) {
      dialog.showModal();
    }
    // Focus what needs an answer: a field in error, else the next step or the reason.
    var wanted = [
      "[aria-invalid=true]", "[name=next_step]", "[name=reason]", "button", "a"
    ];
    for (var i = 0; i < wanted.length; i += 1) {
      var field = dialogBody.querySelector(wanted[i]);
      if (field) {
        field.focus();
        break;
      }
    }
  }

  function announce(html) {
    var text = new DOMParser().parseFromString(html, "text/html").body.textContent;
    status.textContent = text.trim();
  }

  function reload() {
    pending = null;
    return request(board.dataset.boardUrl + window.location.search, { method: "GET" })
      .then(function (answer) {
        if (answer.ok) {
          board.innerHTML = answer.html;
          setUp();
        }
      });
  }

  function failed() {
    dialog.close();
    status.textContent = "The server could not be reached; nothing was moved. The board was reloaded.";
    reload();
  }

  function putBack() {
    if (!pending) {
      return;
    }
    var list = pending.from;
    list.insertBefore(pending.card, list.children[pending.index] || null);
    pending = null;
  }

  // A card's "Move to" menu: the same dialog as a drop.
  board.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-card-move]");
    if (!form) {
      return;
    }
    event.preventDefault();
    pending = null;
    focusDeal = form.closest(".card").dataset.deal;
    var query = new URLSearchParams(new FormData(form));
    openForm(form.action + "?" + query.toString());
  });

  dialogBody.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-move-form]");
    if (!form) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    request(form.action, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" }
    }).then(function (answer) {
      if (answer.ok) {
        pending = null;
        dialog.close();
        announce(answer.html);
        reload().then(restoreFocus);
        return;
      }
      show(answer.html);
      if (answer.status === 409) {
        reload();
      }
    }, failed);
  });

  dialogBody.addEventListener("click", function (event) {
    if (event.target.closest("[data-dialog-close]")) {
      dialog.close();
    }
  });

  dialog.addEventListener("close", function () {
    putBack();
    dialogBody.innerHTML = "";
    restoreFocus();
  });

  function restoreFocus() {
    var link = focusDeal && board.querySelector('[data-deal="' + focusDeal + '"] .card-title a');
    if (link) {
      link.focus();
    }
  }

  // The owner filter swaps the board in with htmx: the new lists need dragging too.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === board) {
      setUp();
    }
  });

  setUp();
})();
