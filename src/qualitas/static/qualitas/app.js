// Small behaviours that need no inline script (the Content-Security-Policy forbids inline code).
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape") {
    var dropdown = document.getElementById("search-dropdown");
    if (dropdown) { dropdown.innerHTML = ""; }
  }
});
document.addEventListener("click", function (event) {
  var dropdown = document.getElementById("search-dropdown");
  if (dropdown && !event.target.closest(".global-search")) { dropdown.innerHTML = ""; }
});
document.addEventListener("click", function (event) {
  var cancel = event.target.closest("[data-dismiss-step]");
  if (cancel) {
    var step = document.getElementById("workflow-step");
    if (step) { step.innerHTML = ""; }
  }
});
