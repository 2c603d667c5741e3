// The invoice-run progress view: polls the run's progress and moves the bar. Once the run
// has finished (or stopped), the page reloads so that the server shows the result.
(function () {
  "use strict";
  var view = document.querySelector("[data-progress-url]");
  if (!view) {
    return;
  }
  var bar = view.querySelector("progress");
  var label = view.querySelector("[data-progress-label]");
  var every = 1000;

  function show(run) {
    bar.max = Math.max(run.total, 1);
    bar.value = run.done;
    label.textContent = run.label;
  }

  function poll() {
    fetch(view.dataset.progressUrl, {headers: {"Accept": "application/json"},
                                     credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("progress answered " + response.status);
        }
        return response.json();
      })
      .then(function (run) {
        show(run);
        if (run.active) {
          window.setTimeout(poll, every);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, every * 5);  // the server may be restarting; keep asking
      });
  }

  window.setTimeout(poll, every);
})();
