// The account application in three steps: one form, one step shown at a
// time (Back and Next keep everything typed), files checked for size and
// type before upload, and the answer's errors shown beside their fields.
// The structured members (records, addresses) are composed as the API
// takes them; the issuer checks everything again.
"use strict";

function applicationForm(form) {
  const steps = [...form.querySelectorAll("fieldset.step")], indicator = document.getElementById("steps");
  const errorsBox = document.getElementById("form-errors"), errorList = document.getElementById("error-list");
  let current = 1;

  function show(step) {
    current = step;
    for (const section of steps) section.hidden = Number(section.dataset.step) !== step;
    for (const item of indicator.querySelectorAll("li")) {
      if (Number(item.dataset.step) === step) item.setAttribute("aria-current", "step"); else item.removeAttribute("aria-current");
    }
    const first = steps[step - 1].querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  function stepOf(element) { return Number(element.closest("fieldset.step").dataset.step); }

  function fileProblem(input) {
    const file = input.files[0];
    if (!file) return null;
    if (file.size > Number(input.dataset.maxBytes)) return form.dataset.tooLarge;
    if (!input.dataset.types.split(" ").includes(file.type)) return form.dataset.wrongType;
    return null;
  }

  // The fields of one step that are missing or wrong; nothing is sent.
  function checkStep(step) {
    const section = steps[step - 1];
    let first = null;
    for (const input of section.querySelectorAll("[data-required]")) {
      if (input.closest("[hidden]") && input.closest("[hidden]") !== section) continue;
      const empty = input.type === "checkbox" ? !input.checked : input.type === "file" ? input.files.length === 0 : input.value.trim() === "";
      if (empty) { showFieldError(input, input.dataset.required); first = first || input; } else clearFieldError(input);
    }
    for (const group of section.querySelectorAll("[data-required-group]")) {
      const chosen = group.querySelector("input:checked");
      const note = group.querySelector(".field-error") || group.appendChild(Object.assign(document.createElement("p"), { className: "field-error", id: group.id + "-error" }));
      note.textContent = chosen ? "" : group.dataset.requiredGroup;
      if (!chosen) first = first || group.querySelector("input");
    }
    for (const input of section.querySelectorAll("input[type=file]")) {
      const problem = fileProblem(input);
      if (problem) { showFieldError(input, problem); first = first || input; }
    }
    // In order: a field may be cleared, then marked again by a later check.
    for (const [input, problem] of formProblems(section)) {
      if (problem) { showFieldError(input, problem); first = first || input; } else clearFieldError(input);
    }
    return first;
  }

  // The issuer's own rules for dates, years, addresses and contacts, checked
  // here too so that a mistake is shown beside its field before anything is sent.
  function formProblems(section) {
    const found = [], text = form.dataset, thisYear = new Date().getFullYear();
    const value = (input) => input.value.trim();
    const birth = section.querySelector("#birth_date");
    if (birth && value(birth)) {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value(birth));
      const day = match && new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
      const real = day && day.getUTCMonth() === Number(match[2]) - 1 && day.getUTCDate() === Number(match[3]);
      found.push([birth, real && day < new Date() ? null : text.badDate]);
    }
    for (const row of section.querySelectorAll("fieldset.record")) {
      const admission = row.querySelector("[data-key=admission_year]"), graduation = row.querySelector("[data-key=graduation_year]");
      const year = (input) => /^\d{4}$/.test(value(input)) ? Number(value(input)) : NaN;
      if (value(admission)) found.push([admission, year(admission) >= 1928 && year(admission) <= thisYear ? null : text.badYear]);
      if (value(graduation)) {
        const ok = year(graduation) >= 1928 && year(graduation) <= thisYear + 10;
        found.push([graduation, !ok ? text.badYear : year(graduation) < year(admission) ? text.badGraduation : null]);
      }
      // A second record once begun is completed like the first.
      if (row.dataset.record !== "0" && (value(row.querySelector("[data-key=department]")) || value(admission) || value(graduation))) {
        for (const key of ["department", "admission_year", "graduation_year"]) {
          const input = row.querySelector("[data-key=" + key + "]");
          if (!value(input)) found.push([input, text.requiredText]);
        }
      } else if (row.dataset.record !== "0") {
        for (const input of row.querySelectorAll("[data-key]")) found.push([input, null]);
      }
    }
    for (const address of section.querySelectorAll("fieldset.address")) {
      if (address.hidden) continue;
      const part = (key) => address.querySelector("[data-key=" + key + "]");
      const domestic = part("region").value === "domestic";
      const required = domestic ? ["postal_code", "county", "district", "line"] : ["line", "country"];
      for (const key of required) found.push([part(key), value(part(key)) ? null : text.requiredText]);
      if (domestic && value(part("postal_code"))) found.push([part("postal_code"), /^\d{3,6}$/.test(value(part("postal_code"))) ? null : text.badPostalCode]);
    }
    const mobile = section.querySelector("#mobile");
    if (mobile && value(mobile)) {
      const compact = value(mobile).replace(/[ -]/g, "");
      found.push([mobile, /^(09\d{8}|\+8869\d{8}|\+\d{8,15})$/.test(compact) ? null : text.badMobile]);
    }
    const email = section.querySelector("#email");
    if (email && value(email)) found.push([email, /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(value(email)) ? null : text.badEmail]);
    return found;
  }

  function compose() {
    const records = [];
    for (const row of form.querySelectorAll("fieldset.record")) {
      const value = (key) => row.querySelector("[data-key=" + key + "]").value.trim();
      if (!value("department") && !value("admission_year") && !value("graduation_year") && row.dataset.record !== "0") continue;
      const record = { degree: value("degree"), department: value("department"),
                       admission_year: Number(value("admission_year")), graduation_year: Number(value("graduation_year")) };
      if (value("student_id")) record.student_id = value("student_id");
      records.push(record);
    }
    form.elements.records.value = JSON.stringify(records);
    function address(fieldset) {
      const result = {};
      for (const input of fieldset.querySelectorAll("[data-key]")) if (input.value.trim()) result[input.dataset.key] = input.value.trim();
      return JSON.stringify(result);
    }
    form.elements.permanent_address.value = address(document.getElementById("permanent"));
    form.elements.mailing_address.value = document.getElementById("mailing_same").checked
      ? JSON.stringify({ same_as: "permanent" }) : address(document.getElementById("mailing"));
  }

  // The input an error of the issuer is about: a field, or a part of a
  // record or an address, which the answer names with `record` and `member`.
  function inputFor(error) {
    if (!error.field) return null;
    if (error.field === "records" && error.member) {
      return form.querySelector("#record-" + (Number(error.record || 1) - 1) + " [data-key=" + error.member + "]");
    }
    const address = form.querySelector("fieldset.address[data-address=" + error.field + "]");
    if (address && error.member) return address.querySelector("[data-key=" + error.member + "]");
    const input = form.elements[error.field];
    return input instanceof Element && input.type !== "hidden" ? input : null;
  }

  // The label a person sees for an input, without the "required" mark.
  function labelOf(input) {
    const label = input.labels && input.labels[0];
    if (!label) return "";
    const bare = (text) => text.replace(form.dataset.requiredMark, "").trim();
    const own = bare([...label.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent).join(""));
    const group = input.closest("fieldset.record, fieldset.address");
    return (group ? bare(group.querySelector("legend").textContent) + " · " : "") + own;
  }

  // An error from the issuer: named and linked at the top, beside its field, on its step.
  function showAnswerError(error) {
    const input = inputFor(error);
    const slot = error.field && document.getElementById(error.field + "-slot");
    const item = document.createElement("li");
    if (input) {
      const link = Object.assign(document.createElement("a"), { href: "#" + input.id, textContent: labelOf(input) + "：" + error.message });
      item.append(link);
    } else {
      item.textContent = error.message;
    }
    errorList.replaceChildren(item);
    errorsBox.hidden = false;
    if (input) {
      const step = stepOf(input);
      showFieldError(input, error.message);
      show(step);
      input.focus();
      return;
    }
    if (slot) { slot.textContent = error.message; show(stepOf(slot)); }
    errorsBox.focus();
  }

  form.querySelectorAll("[data-next]").forEach((button) => button.addEventListener("click", () => {
    const invalid = checkStep(current);
    if (invalid) { invalid.focus(); return; }
    show(current + 1);
  }));
  form.querySelectorAll("[data-back]").forEach((button) => button.addEventListener("click", () => show(current - 1)));
  document.getElementById("mailing_same").addEventListener("change", (event) => {
    document.getElementById("mailing").hidden = event.target.checked;
  });
  for (const input of form.querySelectorAll("input[type=file]")) {
    input.addEventListener("change", () => { const problem = fileProblem(input); if (problem) showFieldError(input, problem); else clearFieldError(input); });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (let step = 1; step <= steps.length; step++) {
      const invalid = checkStep(step);
      if (invalid) { show(step); invalid.focus(); return; }
    }
    if (form.dataset.humanCheckState === "working") await form.humanCheck.catch(() => {});
    compose();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const status = document.getElementById("human-check-status");
    status.textContent = form.dataset.sending;
    try {
      // Every text field before the files: the issuer checks the human
      // check and the form before it reads a byte of a document.
      const all = new FormData(form), ordered = new FormData();
      for (const [name, value] of all) if (!(value instanceof File)) ordered.append(name, value);
      for (const [name, value] of all) if (value instanceof File) ordered.append(name, value);
      const response = await fetch(form.action, { method: "POST", body: ordered, credentials: "same-origin" });
      const body = await response.json();
      if (response.ok) { location.assign(body.next); return; }
      showAnswerError(body.error || { message: String(response.status) });
      // A used human check cannot be sent again: solve a new one.
      form.humanCheck = startHumanCheck(form);
    } catch (error) {
      showAnswerError({ message: String(error) });
    } finally {
      button.disabled = false;
    }
  });

  // Address parts are labelled by wrapping; each gets an id so its error can point at it.
  for (const address of form.querySelectorAll("fieldset.address")) {
    for (const input of address.querySelectorAll("[data-key]")) input.id = address.id + "-" + input.dataset.key;
  }
  show(1);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-application]");
  if (form) applicationForm(form);
});
