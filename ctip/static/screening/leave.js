// "Leave quickly": replace this page in the history (Back does not return to it) and go to a
// neutral page. Without JavaScript the link still leaves.
(function () {
  var link = document.getElementById("leave");
  if (!link) return;
  link.addEventListener("click", function (event) {
    event.preventDefault();
    try { document.body.innerHTML = ""; } catch (e) { /* nothing to clear */ }
    window.location.replace(link.href);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { link.click(); }
  });
})();
