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
    return first;
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

  // An error from the issuer: beside its field, at the top, on its step.
  function showAnswerError(error) {
    const input = error.field && (form.elements[error.field] instanceof Element ? form.elements[error.field] : null);
    const slot = error.field && document.getElementById(error.field + "-slot");
    errorList.replaceChildren(Object.assign(document.createElement("li"), { textContent: error.message }));
    errorsBox.hidden = false;
    if (input && input.type !== "hidden") { showFieldError(input, error.message); show(stepOf(input)); input.focus(); return; }
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

  show(1);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-application]");
  if (form) applicationForm(form);
});
