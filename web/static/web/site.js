// Confirmation for destructive actions: <form data-confirm="确定终止项目？">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// Show progress on any form that takes a while.
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector && event.target.querySelector("button[type=submit]");
  if (button && !event.defaultPrevented) {
    button.setAttribute("aria-busy", "true");
  }
});
