"use strict";
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const message = document.getElementById("message");
  const response = await fetch("/v1/session", {
    method: "POST", headers: {"Content-Type": "application/json"}, credentials: "same-origin",
    body: JSON.stringify({token: document.getElementById("token").value}),
  });
  if (response.ok) {
    const next = form.dataset.next || "/";   // the service made it a local path
    window.location.assign(/^\/(?![\/\\])[^\\\x00-\x1f]*$/.test(next) ? next : "/");
  } else {
    message.textContent = "That token is not right.";
  }
});
