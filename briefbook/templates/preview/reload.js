/* briefbook preview: added by the preview server to the pages it sends, never written to briefs/.
   Reloads this page when it is rebuilt and shows why a save was refused. */
(function () {
  "use strict";
  var page = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (page === "" || page.slice(-1) === "/") { page += "index.html"; }
  var BANNER = "bb-preview-banner";

  function showProblems(lines) {
    var banner = document.getElementById(BANNER);
    if (!banner) {
      banner = document.createElement("div");
      banner.id = BANNER;
      banner.setAttribute("role", "alert");
      banner.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;" +
        "max-height:50vh;overflow:auto;margin:0;padding:0.6em 1em;background:#b71c1c;" +
        "color:#fff;font:14px/1.4 system-ui,sans-serif;box-shadow:0 2px 6px rgba(0,0,0,.3)";
      document.body.appendChild(banner);
    }
    banner.textContent = "";
    var title = document.createElement("strong");
    title.textContent = "Not rebuilt: the last good brief is shown. Fix and save again.";
    banner.appendChild(title);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0.3em 0 0;padding-left:1.2em;font-family:monospace";
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    banner.appendChild(list);
  }

  function clearProblems() {
    var banner = document.getElementById(BANNER);
    if (banner) { banner.remove(); }
  }

  var source = new EventSource("/__preview__/events?page=" + encodeURIComponent(page));
  source.addEventListener("reload", function (event) {
    if (JSON.parse(event.data).pages.indexOf(page) >= 0) { location.reload(); }
  });
  source.addEventListener("problems", function (event) {
    showProblems(JSON.parse(event.data).lines);
  });
  source.addEventListener("ok", clearProblems);
})();
