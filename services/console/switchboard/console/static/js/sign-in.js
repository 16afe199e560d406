import { ApiError, onSubmit } from "/static/js/console.js";

const form = document.getElementById("sign-in-form");
onSubmit(form, async (data) => {
  const response = await fetch("/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
  });
  const answer = await response.json();
  if (!response.ok) throw new ApiError(response.status, answer);
  const next = new URLSearchParams(location.search).get("next");
  window.location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
});
