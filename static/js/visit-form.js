/* gridmap: the visit form (/field/visit): households to visit, the form, the check-in. */
const text = JSON.parse(document.getElementById("gm-field-text").textContent);
const list = document.getElementById("gm-households");
const form = document.getElementById("gm-visit-form");
const section = document.getElementById("gm-visit");
const message = document.getElementById("gm-message");
const place = document.getElementById("gm-location");
const fill = (template, value) => template.split("{m}").join(value);

function say(kind, words) {
  message.className = "alert alert-" + kind;
  message.textContent = words;
}

function badge(label, cls, status) {
  const span = document.createElement("span");
  span.className = "badge gm-badge " + cls;
  if (status) span.dataset.status = status;
  span.textContent = label;
  return span;
}

function item(h) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "list-group-item list-group-item-action gm-household";
  button.dataset.code = h.code;
  button.dataset.visitStatus = h.visit_status;
  button.dataset.doubtful = h.doubtful ? "1" : "0";
  const who = document.createElement("span");
  const name = document.createElement("span");
  name.className = "gm-who";
  name.textContent = (h.head_name || h.code);
  const where = document.createElement("span");
  where.className = "gm-where";
  where.textContent = h.code + " · " + (h.unit_name || h.unit || "") +
    (h.last_visit_on ? " · " + text.last_visit + " " + h.last_visit_on : "");
  who.append(name, where);
  const marks = document.createElement("span");
  marks.append(badge(text.status[h.visit_status] || h.visit_status, "", h.visit_status));
  if (h.doubtful) marks.append(badge(text.doubtful, "gm-doubtful"));
  button.append(who, marks);
  button.addEventListener("click", () => open(h));
  return button;
}

async function load() {
  const params = new URLSearchParams();
  const unit = document.getElementById("gm-unit").value;
  const q = document.getElementById("gm-search").value.trim();
  if (unit) params.set("unit", unit);
  if (q) params.set("q", q);
  try {
    const response = await fetch("/api/v1/field/households?" + params, {credentials: "same-origin"});
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    list.replaceChildren(...data.households.map(item));
    document.getElementById("gm-list-note").textContent =
      data.households.length ? (data.truncated ? text.truncated : "") : text.none;
    document.body.dataset.gmReady = "1";
  } catch {
    say("danger", text.load_failed);
  }
}

function locate() {
  if (!navigator.geolocation) { place.textContent = text.no_location; return; }
  place.textContent = text.locating;
  navigator.geolocation.getCurrentPosition((pos) => {
    document.getElementById("gm-lon").value = pos.coords.longitude;
    document.getElementById("gm-lat").value = pos.coords.latitude;
    place.textContent = fill(text.located, Math.round(pos.coords.accuracy || 0));
    place.dataset.located = "1";
  }, () => { place.textContent = text.no_location; }, {enableHighAccuracy: true, timeout: 20000});
}

function open(h) {
  document.getElementById("gm-household").value = h.code;
  document.getElementById("gm-visit-title").textContent = (h.head_name || "") + " " + h.code;
  document.getElementById("gm-lon").value = "";
  document.getElementById("gm-lat").value = "";
  delete place.dataset.located;
  section.hidden = false;
  section.scrollIntoView({behavior: "smooth"});
  locate();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form).entries());
  const save = document.getElementById("gm-save");
  save.disabled = true;
  try {
    const response = await fetch("/api/v1/visits", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": text.csrf},
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) {
      say("danger", text.failed + " " + (data.error || response.status));
      return;
    }
    say(data.doubtful ? "warning" : "success",
      data.doubtful ? fill(text.saved_doubtful, Math.round(data.checkin_distance_m)) : text.saved);
    message.dataset.visit = data.id;
    section.hidden = true;
    form.querySelector("#gm-notes").value = "";
    await load();
  } finally {
    save.disabled = false;
  }
});
const planField = document.getElementById("gm-plan-field");
const kindChoice = document.getElementById("gm-kind");
function showPlan() {
  if (!planField) return;
  const inspection = kindChoice.value === "inspection";
  planField.hidden = !inspection;
  document.getElementById("gm-plan").disabled = !inspection;
}
kindChoice.addEventListener("change", showPlan);
showPlan();
document.getElementById("gm-locate").addEventListener("click", locate);
document.getElementById("gm-cancel").addEventListener("click", () => { section.hidden = true; });
document.getElementById("gm-unit").addEventListener("change", load);
let typing;
document.getElementById("gm-search").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(load, 300);
});
document.getElementById("gm-filter").addEventListener("submit", (e) => { e.preventDefault(); load(); });
load();
