// AlumniCard pages: the human check solved in the browser, per-field
// messages before a form is sent, the password rules shown as you type.
// The server decides everything again; this only saves a round trip.
"use strict";

// SHA-256 (FIPS 180-4) of a byte array, for the proof of work.
const SHA256_K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
const sha256W = new Uint32Array(64);

function sha256Hex(bytes) {
  const length = bytes.length, padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  const bits = length * 8, view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000));
  view.setUint32(padded.length - 4, bits >>> 0);
  let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a, h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
  const w = sha256W;
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  return [h0, h1, h2, h3, h4, h5, h6, h7].map((x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
}

// The human check (ALTCHA): find the number whose SHA-256 with the salt is
// the challenge, a slice at a time so the page stays responsive.
function solveChallenge(challenge) {
  const encoder = new TextEncoder();
  return new Promise((resolve, reject) => {
    let number = 0;
    function slice() {
      const end = Math.min(number + 4000, challenge.maxnumber + 1);
      for (; number < end; number++) {
        if (sha256Hex(encoder.encode(challenge.salt + number)) === challenge.challenge) {
          resolve(btoa(JSON.stringify({ algorithm: challenge.algorithm, challenge: challenge.challenge, number: number,
                                        salt: challenge.salt, signature: challenge.signature })));
          return;
        }
      }
      if (number > challenge.maxnumber) { reject(new Error("no solution")); return; }
      setTimeout(slice, 0);
    }
    slice();
  });
}

function startHumanCheck(form) {
  const field = form.querySelector("input[name=altcha]"), status = form.querySelector("#human-check-status");
  if (!field || !status) return null;
  status.textContent = status.dataset.working;
  const solved = fetch("/v1/challenge", { cache: "no-store", credentials: "same-origin" })
    .then((response) => { if (!response.ok) throw new Error("challenge " + response.status); return response.json(); })
    .then(solveChallenge)
    .then((answer) => { field.value = answer; status.textContent = status.dataset.done; return answer; })
    .catch((error) => { status.textContent = status.dataset.failed; throw error; });
  form.dataset.humanCheckState = "working";
  solved.then(() => { form.dataset.humanCheckState = "done"; }, () => { form.dataset.humanCheckState = "failed"; });
  return solved;
}

// Per-field messages ("這個欄位必須填寫") before the form is sent.
function showFieldError(input, message) {
  const id = input.id + "-error";
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement("p");
    note.className = "field-error";
    note.id = id;
    input.insertAdjacentElement("afterend", note);
  }
  note.textContent = message;
  input.setAttribute("aria-invalid", "true");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
  described.push(id);
  input.setAttribute("aria-describedby", described.join(" "));
}

function clearFieldError(input) {
  const note = document.getElementById(input.id + "-error");
  if (note) note.remove();
  input.removeAttribute("aria-invalid");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== input.id + "-error");
  if (described.length) input.setAttribute("aria-describedby", described.join(" ")); else input.removeAttribute("aria-describedby");
}

// Removes the server's messages about these fields, beside them and in the summary (which goes once empty).
function clearServerErrors(inputs) {
  const summary = document.getElementById("form-errors");
  for (const input of inputs) {
    if (!input) continue;
    clearFieldError(input);
    if (summary) for (const link of summary.querySelectorAll("a[href='#" + input.id + "']")) link.closest("li").remove();
  }
  if (summary && !summary.querySelector("li")) summary.remove();
}

function checkRequired(form) {
  let first = null;
  for (const input of form.querySelectorAll("[data-required]")) {
    if (input.closest("[hidden]")) continue;
    const empty = input.type === "file" ? input.files.length === 0 : input.value.trim() === "";
    if (empty) { showFieldError(input, input.dataset.required); first = first || input; } else clearFieldError(input);
  }
  const confirm = form.querySelector("#confirm_password"), password = form.querySelector("#new_password");
  if (confirm && password && confirm.value && confirm.value !== password.value) {
    showFieldError(confirm, confirm.dataset.mismatch);
    first = first || confirm;
  }
  return first;
}

// The rules the page can check by itself; the rest only the server can.
function passwordRules(form) {
  const password = form.querySelector("#new_password"), confirm = form.querySelector("#confirm_password");
  const list = form.querySelector("#password-rules");
  if (!password || !list) return;
  function classes(text) {
    let count = 0;
    if (/[A-Z]/.test(text)) count++;
    if (/[a-z]/.test(text)) count++;
    if (/[0-9]/.test(text)) count++;
    if (/[!-\/:-@\[-`{-~]/.test(text)) count++;
    return count;
  }
  function update() {
    const text = password.value, length = [...text].length;
    const states = {
      length: length >= 8 && length <= 64 && new TextEncoder().encode(text).length <= 72,
      classes: classes(text) >= 3,
      confirm: text.length > 0 && confirm && confirm.value === text,
    };
    for (const item of list.querySelectorAll("li[data-rule]")) {
      const met = states[item.dataset.rule];
      item.classList.toggle("met", met);
      item.classList.toggle("unmet", !met);
      item.querySelector(".rule-state").textContent = "（" + (met ? list.dataset.met : list.dataset.unmet) + "）";
    }
    // The server's refusal was about the password typed before; once the new one meets the rules, it no longer applies.
    if (states.length && states.classes && states.confirm) clearServerErrors([password, confirm]);
  }
  password.addEventListener("input", update);
  if (confirm) confirm.addEventListener("input", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  // The sign-in page: the card page's kept tokens belong to a session that is over or about to be replaced.
  if (document.querySelector("[data-forget-card]")) { try { localStorage.removeItem("alumnicard.card.v1"); } catch (error) { /* storage refused */ } }
  const errors = document.getElementById("form-errors");
  if (errors) errors.focus();
  for (const form of document.querySelectorAll("form[novalidate]")) {
    const check = form.hasAttribute("data-human-check") ? startHumanCheck(form) : null;
    form.humanCheck = check;
    if (form.hasAttribute("data-password-rules")) passwordRules(form);
    if (form.hasAttribute("data-application")) continue; // apply.js sends it
    form.addEventListener("submit", (event) => {
      const invalid = checkRequired(form);
      if (invalid) { event.preventDefault(); invalid.focus(); return; }
      if (check && form.dataset.humanCheckState === "working") {
        // Sent as soon as the check is done (Enter pressed before it finished).
        event.preventDefault();
        check.then(() => form.submit(), () => form.submit());
      }
    });
  }
});
