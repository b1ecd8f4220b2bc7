/* gridmap: the side panel's figure rows and field-work sections: a unit's monitoring this year, a household's contacts. */
import * as gm from "./gridmap-base.js";

const MONITORING = [
  ["identified", "monitoring_identified"],
  ["eliminated", "monitoring_eliminated"],
  ["at_risk_end", "monitoring_at_risk"],
];

/** A row of a figure list: label, shown value (text or element), raw value for tools. */
export function row(list, key, label, shown, raw) {
  const item = gm.el("div", "gm-row");
  item.setAttribute("data-key", key);
  item.setAttribute("data-value", raw == null ? "" : String(raw));
  const value = shown != null && typeof shown === "object"
    ? gm.append(gm.el("dd", "gm-value"), shown)
    : gm.el("dd", "gm-value", shown == null ? "–" : shown);
  gm.append(list, gm.append(item, gm.el("dt", null, label), value));
}

/** A translated text with its {name} places filled in (as text, never as HTML). */
function fill(text, values) {
  return Object.keys(values).reduce(function (out, key) {
    return out.split("{" + key + "}").join(values[key] == null ? "" : String(values[key]));
  }, text);
}

/** The unit's monitored households from 1 January to the map's date (`monitoring` of the unit). */
export function monitoringSection(m) {
  const section = gm.el("section", "gm-panel-monitoring");
  section.id = "gm-panel-monitoring";
  section.setAttribute("data-from", m.from);
  section.setAttribute("data-to", m.to);
  const list = gm.el("dl", "gm-figures");
  MONITORING.forEach(function (spec) {
    const n = m[spec[0]];
    row(list, "monitoring_" + spec[0], gm.t(spec[1]), gm.formatNumber(n), n);
  });
  const period = fill(gm.t("monitoring_period"), {start: m.from, end: m.to});
  gm.append(section, gm.el("h3", "gm-subtitle", gm.t("monitoring")), gm.el("p", "gm-muted", period), list);
  if (m.page) {
    // Only the accounts that may open the monitoring page get its address.
    const link = gm.el("a", "btn btn-link btn-sm p-0", gm.t("monitoring_page"));
    link.id = "gm-panel-monitoring-link";
    link.href = m.page;
    gm.append(section, link);
  }
  return section;
}

/** A village's groups without an active worker (`groups` of the unit), each a link to the group. */
export function unstaffedSection(groups, showUnit) {
  const section = gm.el("section", "gm-panel-unstaffed");
  section.id = "gm-panel-unstaffed";
  gm.append(section, gm.el("h3", "gm-subtitle", gm.t("groups_without_worker")));
  if (!groups.length) {
    return gm.append(section, gm.el("p", "gm-muted", gm.t("no_groups_without_worker")));
  }
  const list = gm.el("ul", "gm-unstaffed-list");
  groups.forEach(function (g) {
    const item = gm.el("li", "gm-unstaffed");
    item.setAttribute("data-code", g.code);
    const link = gm.el("button", "btn btn-link btn-sm p-0 gm-link", g.code + " " + (g.name || ""));
    link.type = "button";
    link.addEventListener("click", function () { showUnit(g.code); });
    list.appendChild(gm.append(item, link));
  });
  return gm.append(section, list);
}

/** The map's date (YYYY-MM-DD): the one chosen, else today on this device. */
function mapDay() {
  const now = new Date();
  const pad = function (n) { return (n < 10 ? "0" : "") + n; };
  return gm.config().asOf || now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
}

function isCurrent(c, day) {
  return c.until == null || String(c.until) > day;
}

/** Links begun by the map's date: the current one first, then the earlier ones, latest first. */
function ordered(contacts, day) {
  return contacts.filter(function (c) { return String(c.since) <= day; }).sort(function (a, b) {
    const open = (isCurrent(a, day) ? 0 : 1) - (isCurrent(b, day) ? 0 : 1);
    return open || String(b.since).localeCompare(String(a.since));
  });
}

function contactItem(c, day) {
  const current = isCurrent(c, day);
  const item = gm.el("li", "gm-contact" + (current ? " gm-contact-current" : ""));
  item.setAttribute("data-contact", c.contact);
  item.setAttribute("data-since", c.since || "");
  item.setAttribute("data-until", c.until || "");
  item.setAttribute("data-current", current ? "1" : "0");
  const who = gm.el("div", "gm-contact-name", c.name || c.contact);
  if (c.organisation) {
    gm.append(who, gm.el("span", "gm-muted", " · " + c.organisation));
  }
  const when = c.until == null
    ? fill(gm.t("contact_since"), {since: c.since})
    : fill(gm.t("contact_period"), {since: c.since, until: c.until});
  const kind = gm.t(current ? "contact_current" : "contact_earlier");
  return gm.append(item, gm.el("div", "gm-kicker", kind), who, gm.el("div", "gm-contact-dates", when));
}

/** An empty contacts section; `fillContacts` puts the history in once it arrives. */
export function contactsSection() {
  const section = gm.el("section", "gm-panel-contacts");
  section.id = "gm-panel-contacts";
  return gm.append(section, gm.el("h3", "gm-subtitle", gm.t("contacts")), gm.el("p", "gm-muted", gm.t("loading")));
}

/** Fill the section with the household's contacts (from /api/v1/households/<code>/contacts). */
export function fillContacts(section, data) {
  section.removeChild(section.lastChild); // "Loading…"
  const day = mapDay();
  const contacts = ordered(data.contacts || [], day);
  if (!contacts.length) {
    gm.append(section, gm.el("p", "gm-muted", gm.t("no_contacts")));
  } else {
    const list = gm.el("ul", "gm-contacts-list");
    contacts.forEach(function (c) { list.appendChild(contactItem(c, day)); });
    gm.append(section, list);
  }
  section.setAttribute("data-loaded", "1");
}
