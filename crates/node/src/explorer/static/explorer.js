// The explorer's own script. Pages read without it; with it, ids get copy buttons, relative
// times stay current, and a page marked live (body[data-live]) fetches itself again when the
// chain's height moves. It talks only to the node that served the page.
"use strict";
document.documentElement.classList.add("js");

function ago(ms) {
  const gap = Date.now() - ms;
  const secs = Math.floor(Math.abs(gap) / 1000);
  let span;
  if (secs < 60) span = secs + " s";
  else if (secs < 3600) span = Math.floor(secs / 60) + " min";
  else if (secs < 86400) span = Math.floor(secs / 3600) + " h";
  else span = Math.floor(secs / 86400) + " d";
  return gap >= 0 ? span + " ago" : "in " + span;
}

function refreshTimes() {
  document.querySelectorAll("[data-ago]").forEach((el) => {
    el.textContent = ago(Number(el.dataset.ago));
  });
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const text = button.dataset.copy;
  const done = () => { button.classList.add("done"); setTimeout(() => button.classList.remove("done"), 1200); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => {});
  } else {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } catch (_) { /* the id stays in the tooltip */ }
    area.remove();
  }
});

let height = null;
async function follow() {
  try {
    const status = await fetch("/status", { cache: "no-store" });
    if (!status.ok) return;
    const now = (await status.json()).height;
    if (height !== null && now !== height) {
      const page = await fetch(location.href, { cache: "no-store" });
      if (page.ok) {
        const doc = new DOMParser().parseFromString(await page.text(), "text/html");
        const fresh = doc.querySelector("main");
        if (fresh) document.querySelector("main").replaceWith(fresh);
        refreshTimes();
      }
    }
    height = now;
  } catch (_) {
    // The node may be restarting; try again at the next tick.
  }
}

refreshTimes();
setInterval(refreshTimes, 1000);
if (document.body.dataset.live) {
  follow();
  setInterval(follow, 2000);
}
