// "Your PDF is being prepared": asks the same address again every few seconds and saves the PDF
// once the worker has drawn it (records/pdf_jobs.py). Without JavaScript, "Check again" does this.
// A failure (or any answer but "still preparing" and the PDF) reloads the page, which says what happened.
(function () {
  "use strict";
  var status = document.querySelector("[data-pdf-wait]");
  if (!status || !window.fetch || !window.URL || !URL.createObjectURL) { return; }
  var source = status.getAttribute("data-pdf-wait");
  var seconds = Number(status.getAttribute("data-ask-again")) || 3;

  function filename(response) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "summary.pdf";
  }

  function save(response) {
    return response.blob().then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filename(response);
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
    });
  }

  function ask() {
    fetch(source, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.status === 202) {
        window.setTimeout(ask, seconds * 1000);
        return null;
      }
      if (response.ok && response.headers.get("Content-Type") === "application/pdf") { return save(response); }
      window.location.reload();
      return null;
    }).catch(function () { window.setTimeout(ask, seconds * 1000); });
  }

  window.setTimeout(ask, seconds * 1000);
})();
