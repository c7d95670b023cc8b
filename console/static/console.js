// The review console's keyboard and confirmations. Everything works
// without this file: it only adds shortcuts and asks before a decision.
(function () {
  "use strict";

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // Decisions ask first.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  var keys = document.getElementById("keys");
  var opener = document.querySelector(".keys-open");
  if (opener && keys) {
    opener.addEventListener("click", function () { keys.showModal(); });
  }

  // In the queue, j and k move a selection over the rows; Enter opens it.
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-case]"));
  var selected = -1;
  function select(i) {
    if (!rows.length) { return; }
    if (selected >= 0) { rows[selected].classList.remove("selected"); }
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows[selected].classList.add("selected");
    rows[selected].querySelector("a").focus();
  }

  function follow(key) {
    var link = document.querySelector('a[data-key="' + key + '"]');
    if (link) { window.location.href = link.href; return true; }
    return false;
  }

  function press(key) {
    var button = document.querySelector('button[data-key="' + key + '"]');
    if (button) { button.form.requestSubmit ? button.form.requestSubmit(button) : button.click(); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) { return; }
    switch (e.key) {
    case "j":
      if (!follow("j")) { select(selected + 1); }
      break;
    case "k":
      if (!follow("k")) { select(selected - 1); }
      break;
    case "a":
    case "r":
      press(e.key);
      break;
    case "/":
      var search = document.getElementById("q");
      if (search) { e.preventDefault(); search.focus(); }
      else { window.location.href = "/console/#q"; }
      break;
    case "?":
      if (keys) { keys.showModal(); }
      break;
    default:
      return;
    }
  });
})();
