// Live updates over /ws/exceptions/ (docs/live-updates.md). The socket only says "exception N changed"; this
// script fetches the row through the permission-checked row view (with the page's own filters) and inserts,
// replaces or removes it, bumps the count, and fires `finsync:changed` for other scripts (dashboards reload
// their widgets). A visible indicator shows live / reconnecting / offline; reconnects with backoff and
// jitter. No inline script, no eval (CSP).
(function () {
  "use strict";

  const feed = document.querySelector("[data-live-feed]");
  if (!feed || !("WebSocket" in window)) return;
  const label = feed.querySelector("[data-live-label]");
  const rowUrl = feed.dataset.liveRowUrl || "";  // only on the workbench list: /workbench/0/row/
  const notice = document.querySelector("[data-live-notice]");
  const MAX_DELAY_MS = 30000;
  const OFFLINE_AFTER = 4;  // failed attempts before "reconnecting" becomes "offline"
  const MAX_QUEUE = 100;  // more pending row fetches than this: stop and offer a reload instead
  const CONCURRENT_FETCHES = 4;

  let socket = null;
  let attempts = 0;
  let retryTimer = null;
  let gaveUp = false;
  let wasLive = false;

  function setState(state, text) {
    feed.dataset.state = state;
    label.textContent = text;
  }

  function showNotice(text) {
    if (!notice) return;
    notice.querySelector("[data-live-notice-text]").textContent = text;
    notice.hidden = false;
  }

  // --- Rows on the workbench list -------------------------------------------------------------------
  const queue = [];
  const queued = new Set();
  let running = 0;
  let overflowed = false;

  function rows() {
    return document.querySelector("[data-live-rows]");
  }

  function bumpCount(delta) {
    const el = document.querySelector("[data-live-count]");
    if (!el || !delta || el.hasAttribute("data-live-capped")) return;  // "10,000+" stays as it is
    const value = Math.max(0, Number(el.dataset.liveCount) + delta);
    el.dataset.liveCount = String(value);
    el.textContent = value.toLocaleString("en-US");
  }

  function flash(tr) {
    tr.classList.add("live-flash");
    window.setTimeout(() => tr.classList.remove("live-flash"), 2600);
  }

  function place(message, response, html) {
    const body = rows();
    const shown = body && body.querySelector(`tr[data-exception-id="${message.id}"]`);
    if (response.status === 200) {
      const template = document.createElement("template");
      template.innerHTML = html.trim();  // rendered and escaped by the server's template
      const tr = template.content.querySelector("tr");
      if (!tr) return;
      if (shown) {
        shown.replaceWith(tr);
        flash(tr);
        return;
      }
      const isNew = message.event === "raised" || message.counts.open_delta > 0;
      if (isNew) bumpCount(1);
      if (body && body.hasAttribute("data-live-insert")) {
        body.prepend(tr);
        flash(tr);
      } else if (isNew) {
        showNotice("New exceptions match this view.");
      }
    } else if ((response.status === 204 || response.status === 404) && shown) {
      shown.classList.add("live-leaving");
      window.setTimeout(() => shown.remove(), 650);
      bumpCount(-1);
    }
  }

  function pump() {
    while (running < CONCURRENT_FETCHES && queue.length) {
      const message = queue.shift();
      queued.delete(message.id);
      running += 1;
      const url = rowUrl.replace("/0/", `/${message.id}/`) + window.location.search;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then((response) => response.text().then((html) => place(message, response, html)))
        .catch(() => showNotice("A live update could not be shown."))
        .finally(() => {
          running -= 1;
          pump();
        });
    }
  }

  function worthFetching(message) {
    // A row on the page always is; a row not on the page only when new rows go on top (first page, newest
    // first) or the list is empty (to offer a reload); otherwise a burst (a bulk job) would fetch thousands.
    const body = rows();
    if (body && body.querySelector(`tr[data-exception-id="${message.id}"]`)) return true;
    return !body || body.hasAttribute("data-live-insert");
  }

  function updateRow(message) {
    if (!rowUrl || overflowed || queued.has(message.id) || !worthFetching(message)) return;
    if (queue.length >= MAX_QUEUE) {
      overflowed = true;
      queue.length = 0;
      queued.clear();
      showNotice("Many exceptions changed at once.");
      return;
    }
    queue.push(message);
    queued.add(message.id);
    pump();
  }

  // --- The socket -------------------------------------------------------------------------------------
  function onMessage(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (message.type === "feed.ready") {
      if (wasLive) showNotice("Live updates resumed; changes made while the connection was down are not shown.");
      wasLive = true;
      attempts = 0;
      setState("live", "Live");
      return;
    }
    if (message.type !== "exception.changed") return;
    document.dispatchEvent(new CustomEvent("finsync:changed", { detail: message }));
    updateRow(message);
  }

  function onClose(event) {
    socket = null;
    if (event.code === 4401 || event.code === 4403) {
      gaveUp = true;
      setState("offline", event.code === 4401 ? "Offline — sign in again" : "Offline — no live updates for you");
      return;
    }
    attempts += 1;
    const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    if (attempts > OFFLINE_AFTER) setState("offline", `Offline — retrying in ${Math.ceil(delay / 1000)} s`);
    else setState("reconnecting", "Reconnecting…");
    retryTimer = window.setTimeout(connect, delay);
  }

  function connect() {
    retryTimer = null;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}${feed.dataset.liveFeed}`);
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", onClose);
  }

  window.addEventListener("online", () => {
    if (socket || gaveUp) return;
    window.clearTimeout(retryTimer);
    connect();
  });
  window.addEventListener("offline", () => setState("offline", "Offline — no network"));
  if (notice) {
    notice.querySelector("[data-live-reload]").addEventListener("click", (event) => {
      event.preventDefault();
      window.location.reload();
    });
  }
  connect();
})();
