/* The workbench's own script: live messages over the notifications WebSocket, the inbox
   refreshing its rows, and drag-and-drop evidence. No framework, no network beyond this site. */
(function () {
  "use strict";

  // Plain page loads: forms post and links navigate as in any HTML page (field errors, 404s).
  if (window.Turbo && window.Turbo.session) { window.Turbo.session.drive = false; }

  function setUnread(count) {
    document.querySelectorAll("[data-wb-unread]").forEach(function (badge) {
      badge.textContent = String(count);
      badge.hidden = !count;
    });
  }

  function toast(message) {
    var box = document.querySelector("[data-wb-toasts]");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "wb-toast";
    var link = document.createElement("a");
    link.href = message.link || "/messages/";
    link.textContent = message.title || message.body || "";
    item.appendChild(link);
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 10000);
  }

  // Hints can come faster than answers: only the answer to the latest fetch of a region is shown,
  // so a slow answer to an earlier hint never puts older figures back.
  var fetches = 0;

  function refreshRows() {
    document.querySelectorAll("[data-wb-rows-url]").forEach(function (region) {
      var ticket = String(++fetches);
      region.setAttribute("data-wb-fetch", ticket);
      fetch(region.getAttribute("data-wb-rows-url") + window.location.search,
            { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null || region.getAttribute("data-wb-fetch") !== ticket) { return; }
          region.innerHTML = html;
          region.setAttribute("data-wb-refreshed", String(Date.now()));
        });
    });
  }

  // attempt: failed tries since the socket was last open (the backoff); reopening: it was open before.
  function connect(attempt, reopening) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/notifications/");
    var opened = false;
    socket.onopen = function () {
      opened = true;
      document.documentElement.setAttribute("data-wb-socket", "open");
      // Hints sent while the socket was down are lost (the server closes a socket whose pings
      // go unanswered on a busy machine): read the live regions again on reconnecting.
      if (reopening) { refreshRows(); }
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (typeof data.unread === "number") { setUnread(data.unread); }
      if (data.type === "notification") { toast(data); refreshRows(); }
      if (data.type === "activity") { refreshRows(); }
    };
    socket.onclose = function (event) {
      document.documentElement.setAttribute("data-wb-socket", "closed");
      var tries = opened ? 0 : attempt + 1;
      if (event.code === 4401 || tries > 8) { return; }
      window.setTimeout(function () { connect(tries, reopening || opened); },
                        Math.min(30000, 1000 * Math.pow(2, tries)));
    };
  }

  function dropzones() {
    document.querySelectorAll("[data-wb-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      if (!input) { return; }
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("wb-dropzone--over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("wb-dropzone--over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
        input.files = event.dataTransfer.files;
        // A zone marked "upload" sends the dropped file at once (the same POST as its button:
        // the server's size, type and magic-byte checks, a message on the page either way).
        if (zone.getAttribute("data-wb-dropzone") === "upload" && zone.tagName === "FORM") {
          zone.requestSubmit();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dropzones();
    var live = document.querySelector("[data-wb-live='1']");
    if (live && "WebSocket" in window) { connect(0, false); }
  });
})();
