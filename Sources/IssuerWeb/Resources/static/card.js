// The card page: shows the current window's QR code and switches to the
// next one exactly at refresh_at from the day of tokens it already holds
// (no request at that moment); keeps that day in localStorage so the code
// keeps refreshing without signal; never shows a code outside its window.
// What it keeps is bound to the session that fetched it (the ac_card
// cookie): kept tokens of another session, another holder's above all, are
// dropped unseen, online or offline.
"use strict";

const STORE_KEY = "alumnicard.card.v1";
const REFETCH_BELOW = 24;     // windows left before the page asks for a new day
const FIRST_WINDOWS = 6;      // with nothing kept, a few windows first: a code on screen sooner, then the day
// Only a network that hangs waits this long: without signal a fetch fails at once, and kept codes show meanwhile.
const FETCH_TIMEOUT_MS = 20000;

const BINDING_COOKIE = /(?:^|;\s*)(?:__Host-)?ac_card=([0-9a-f]{32})(?:;|$)/;
const page = { tokens: [], card: null, binding: null, offset: 0, online: true, shownWindow: null, switchTimer: null, countdownTimer: null, wakeLock: null };
let texts = {};

function nowSeconds() { return Date.now() / 1000 + page.offset; }

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? values[name] : match));
}

function element(id) { return document.getElementById(id); }

// The session this browser is signed in with now, as the issuer names it for the card page.
function currentBinding() {
  const found = document.cookie.match(BINDING_COOKIE);
  return found ? found[1] : null;
}

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
    const binding = currentBinding();
    if (saved && Array.isArray(saved.tokens) && binding && saved.binding === binding) {
      page.tokens = saved.tokens; page.card = saved.card; page.binding = saved.binding; page.offset = saved.offset || 0;
    } else if (saved) {
      forget();
    }
  } catch (error) { localStorage.removeItem(STORE_KEY); }
}

function save() {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify({ tokens: page.tokens, card: page.card, binding: page.binding, offset: page.offset }));
  } catch (error) { /* storage full or refused: the page still works online */ }
}

function forget() {
  page.tokens = []; page.card = null; page.binding = null;
  localStorage.removeItem(STORE_KEY);
}

// Someone else signed in (or out) in another tab since these were fetched.
function stillBound() {
  if (!page.tokens.length && !page.card) return true;
  if (page.binding && page.binding === currentBinding()) return true;
  forget();
  return false;
}

// The QR symbol as one SVG path, from the modules the issuer encoded.
function qrSVG(qr) {
  const [sizeText, data] = qr.split(":"), size = Number(sizeText), bytes = atob(data), quiet = 4;
  let path = "";
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const bit = y * size + x;
      if ((bytes.charCodeAt(bit >> 3) >> (7 - (bit & 7))) & 1) path += "M" + (x + quiet) + " " + (y + quiet) + "h1v1h-1z";
    }
  }
  const ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), shape = document.createElementNS(ns, "path");
  const full = size + 2 * quiet;
  svg.setAttribute("viewBox", "0 0 " + full + " " + full);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const background = document.createElementNS(ns, "rect");
  background.setAttribute("width", full); background.setAttribute("height", full); background.setAttribute("fill", "#fff");
  shape.setAttribute("d", path);
  shape.setAttribute("fill", "#000");
  svg.append(background, shape);
  return svg;
}

function currentToken(now) {
  return page.tokens.find((token) => token.window_start <= now && now < token.refresh_at) || null;
}

function message(text) {
  element("card-message").textContent = text;
}

function showFacts() {
  const card = page.card;
  element("holder-name").textContent = card ? card.masked_name : "";
  element("card-number").textContent = card ? card.card_number : "";
  element("valid-through").textContent = card ? card.valid_through : "";
}

function clock(epochSeconds) {
  const date = new Date(epochSeconds * 1000);
  return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
}

// The day as well as the time: codes are kept for a day, so "until 09:15" alone could mean today or tomorrow.
function day(epochSeconds) {
  const date = new Date(epochSeconds * 1000);
  return date.getFullYear() + "-" + String(date.getMonth() + 1).padStart(2, "0") + "-" + String(date.getDate()).padStart(2, "0");
}

function render() {
  stillBound();
  const now = nowSeconds(), token = currentToken(now), qr = element("qr"), section = element("card");
  clearTimeout(page.switchTimer);
  if (!token) {
    // Nothing valid for this moment: say so, never a stale code.
    qr.replaceChildren();
    page.shownWindow = null;
    section.dataset.state = "none";
    message(page.card || page.tokens.length ? texts.no_token : texts.loading);
    element("countdown").textContent = "";
    updateOffline();
    return;
  }
  if (page.shownWindow !== token.window_start) {
    qr.replaceChildren(token.svg || qrSVG(token.qr));   // one swap: no blank frame
    page.shownWindow = token.window_start;
    qr.dataset.token = token.token;
    qr.dataset.windowStart = token.window_start;
    qr.dataset.refreshAt = token.refresh_at;
    if (!section.dataset.firstDrawn) { section.dataset.firstDrawn = "1"; performance.mark("qr-drawn"); }
  }
  section.dataset.state = page.online ? "online" : "offline";
  message("");
  showFacts();
  updateCountdown();
  updateOffline();
  // Prepare the next symbol now, so the switch only swaps it in.
  const next = page.tokens.find((candidate) => candidate.window_start >= token.refresh_at);
  if (next && !next.svg) next.svg = qrSVG(next.qr);
  page.switchTimer = setTimeout(render, Math.max(0, (token.refresh_at - nowSeconds()) * 1000));
  const left = page.tokens.filter((candidate) => candidate.refresh_at > now).length;
  if (left < REFETCH_BELOW && page.online) refresh();
}

function updateCountdown() {
  const token = currentToken(nowSeconds());
  if (!token) return;
  const left = Math.max(0, Math.ceil(token.refresh_at - nowSeconds()));
  const time = String(Math.floor(left / 60)).padStart(2, "0") + ":" + String(left % 60).padStart(2, "0");
  element("countdown").textContent = fill(texts.countdown, { time: time });
  element("countdown").dataset.seconds = left;
}

function updateOffline() {
  const last = page.tokens.length ? page.tokens[page.tokens.length - 1].refresh_at : null;
  element("offline").textContent = !page.online && last && last > nowSeconds() ? fill(texts.offline, { date: day(last), time: clock(last) }) : "";
}

function refused(code) {
  forget();
  element("qr").replaceChildren();
  page.shownWindow = null;
  element("card").dataset.state = "refused";
  element("countdown").textContent = "";
  showFacts();
  element("card-actions").hidden = false;
  if (code === "password_change_required") { location.assign("/password"); return; }
  message(code === "unauthorized" ? texts.login_again : code === "no_card" ? texts.no_card : fill(texts.refused, { reason: texts.errors[code] || code }));
}

let fetching = null;
function refresh(windows) {
  if (fetching) return fetching;
  const controller = new AbortController(), timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  const started = Date.now(), url = element("card").dataset.tokens + (windows ? "?windows=" + windows : "");
  fetching = fetch(url, { cache: "no-store", credentials: "same-origin", signal: controller.signal })
    .then((response) => response.json().then((body) => ({ response, body })))
    .then(({ response, body }) => {
      page.online = true;
      if (!response.ok) { refused(body && body.error ? body.error.code : "other"); return false; }
      // The server's clock, less half the round trip, decides the window.
      page.offset = body.server_time - (started + Date.now()) / 2000;
      if (body.binding !== currentBinding()) { forget(); render(); return false; }
      page.card = body.card;
      page.tokens = body.tokens;
      page.binding = body.binding;
      save();
      render();
      return true;
    })
    .catch(() => { page.online = false; render(); return false; })
    .finally(() => { clearTimeout(timer); fetching = null; });
  return fetching;
}

async function keepAwake() {
  if (!("wakeLock" in navigator) || document.visibilityState !== "visible") return;
  try {
    page.wakeLock = await navigator.wakeLock.request("screen");
    element("wake-lock").hidden = false;
  } catch (error) { /* refused (battery saver, no user gesture): the card still shows */ }
}

document.addEventListener("DOMContentLoaded", () => {
  texts = JSON.parse(element("card-texts").textContent);
  load();
  page.online = navigator.onLine;
  render();
  if (currentToken(nowSeconds())) refresh(); else refresh(FIRST_WINDOWS).then((ok) => { if (ok) refresh(); });
  page.countdownTimer = setInterval(() => { updateCountdown(); if (!currentToken(nowSeconds()) && page.shownWindow !== null) render(); }, 1000);
  keepAwake();
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") { keepAwake(); render(); refresh(); } });
  window.addEventListener("online", () => refresh());
  window.addEventListener("offline", () => { page.online = false; render(); });
  const worker = element("card").dataset.worker;
  if ("serviceWorker" in navigator && worker) navigator.serviceWorker.register(worker, { scope: "/card" }).catch(() => {});
});
