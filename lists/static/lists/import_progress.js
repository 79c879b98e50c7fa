// The import page: poll the batch's progress until it is finished, then reload the page.
(function () {
  "use strict";
  function poll(bar) {
    fetch(bar.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.percent;
        var label = document.getElementById("import-progress-label");
        if (label) { label.textContent = state.label; }
        if (state.finished) { window.location.reload(); } else { setTimeout(function () { poll(bar); }, 1000); }
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.getElementById("import-progress");
    if (bar && bar.dataset.finished !== "1") { poll(bar); }
  });
})();
