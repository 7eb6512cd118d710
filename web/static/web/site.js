// The platform's own script (no inline scripts anywhere: the Content-Security-Policy forbids them).
// Plain DOM code, no framework: the pages are server-rendered and htmx (vendored) handles partial updates.
document.documentElement.classList.add("js");

// Confirmation for destructive actions: <form data-confirm="确定终止项目？"> or a submit button / link with
// data-confirm. Cancelling stops the submission or the navigation.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = (event.submitter && event.submitter.getAttribute("data-confirm")) ||
    (form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-confirm]");
  if (link && !window.confirm(link.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// Progress for actions that take a while: once a POST form really submits, its submit button is disabled
// (no double submission) and reads "处理中…". The button is disabled on the next tick, after the browser has
// built the form data, so a named submit button still sends its value. Coming back to the page (back button,
// bfcache) or a download that never leaves the page gives the button back.
function restoreButtons() {
  document.querySelectorAll("button[data-busy-label]").forEach(function (button) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = button.getAttribute("data-busy-label");
    button.removeAttribute("data-busy-label");
  });
}
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !form.matches || !form.matches("form") || form.hasAttribute("data-no-progress")) {
    return;
  }
  if ((form.getAttribute("method") || "get").toLowerCase() !== "post") {
    return;
  }
  var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
  if (!button || button.tagName !== "BUTTON") {
    return;
  }
  window.setTimeout(function () {
    button.setAttribute("data-busy-label", button.textContent);
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    button.textContent = "处理中…";
  }, 0);
  window.setTimeout(restoreButtons, 20000);
});
window.addEventListener("pageshow", restoreButtons);

// The phone menu: below 760 px the navigation folds behind the "菜单" button.
document.addEventListener("click", function (event) {
  var toggle = event.target.closest && event.target.closest(".menu-toggle");
  if (!toggle) {
    return;
  }
  var open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  var nav = document.getElementById(toggle.getAttribute("aria-controls"));
  if (nav) {
    nav.classList.toggle("open", open);
  }
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") {
    return;
  }
  var toggle = document.querySelector(".menu-toggle[aria-expanded=true]");
  if (toggle) {
    toggle.click();
    toggle.focus();
  }
});
// 409 (another user's action collided with this one; nothing was changed): htmx does not swap 4xx answers by
// default, so the server's page (retargeted to <body> by web/middleware.py) would be lost and the click would
// seem to do nothing.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
