// The emulator's console. Everything shown comes from /console/api/*; text from requests
// and tokens is only ever set as textContent, never parsed as HTML.
"use strict";

const API = "/console/api/";
const POLL_MS = 1000;
let lastSeq = 0;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function getJSON(path, init) {
  const response = await fetch(API + path, init);
  const data = await response.json();
  if (!response.ok) throw new Error(data.message || ("HTTP " + response.status));
  return data;
}

function postJSON(path, body) {
  return getJSON(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  });
}

// --- Header ----------------------------------------------------------------------------------

async function loadInfo() {
  const info = await getJSON("info");
  document.getElementById("backend").textContent =
    (info.backend === "vonage" ? "Vonage Video API" : "OpenTok") + (info.tls ? " · HTTPS" : "");
  document.getElementById("project-id").textContent = info.project_id;
  const select = document.getElementById("archive_resolution");
  for (const resolution of info.archive_resolutions || []) {
    select.append(el("option", {text: resolution}));
  }
}

// --- Sessions --------------------------------------------------------------------------------

function sessionRow(entry) {
  const params = el("div", {class: "params"});
  if (entry.params === null) {
    params.append(el("span", {class: "param", text: entry.body}));
  } else if (entry.params.length === 0) {
    params.append(el("span", {class: "empty", text: "(empty form)"}));
  } else {
    for (const [name, value] of entry.params) {
      params.append(el("span", {class: "param", text: name + "=" + value}));
    }
  }
  const ok = entry.status === 200;
  const answer = el("td", {class: "answer"},
    el("span", {class: "status " + (ok ? "ok" : "bad"), text: String(entry.status)}),
    ok ? el("span", {class: "sid", text: entry.session_id})
       : el("span", {class: "reason", text: entry.reason || ""}));
  const backend = entry.backend === "vonage" ? "Vonage" : "OpenTok";
  return el("tr", {class: "new", "data-seq": String(entry.seq)},
    el("td", {class: "time", text: entry.time.replace("T", " ").replace("Z", "")}),
    el("td", {text: backend + (entry.method === "POST" ? "" : " · " + entry.method)}),
    el("td", {}, params),
    answer);
}

async function pollSessions() {
  const live = document.getElementById("live");
  try {
    const data = await getJSON("sessions?after=" + lastSeq);
    const body = document.getElementById("sessions-body");
    // Newest first: the answer lists them so; put the whole batch above the older rows.
    const rows = data.sessions.map(sessionRow);
    body.prepend(...rows);
    // The page keeps no more rows than the emulator's history: older ones drop off here too.
    while (typeof data.history === "number" && body.rows.length > data.history) body.deleteRow(-1);
    lastSeq = Math.max(lastSeq, data.last);
    document.getElementById("sessions-empty").hidden = body.rows.length > 0 || data.dropped > 0;
    const dropped = document.getElementById("sessions-dropped");
    dropped.hidden = !(data.dropped > 0);
    dropped.textContent = data.dropped > 0
      ? "Showing the last " + data.history.toLocaleString("en") + " requests: "
        + data.dropped.toLocaleString("en") + " older "
        + (data.dropped === 1 ? "one was" : "ones were") + " dropped (history: "
        + data.history + ", set with history= or --history)."
      : "";
    live.textContent = "live";
    live.className = "live on";
  } catch (error) {
    live.textContent = "not connected";
    live.className = "live off";
  }
  setTimeout(pollSessions, POLL_MS);
}

// --- Archives --------------------------------------------------------------------------------

function archiveRow(archive) {
  const options = el("div", {class: "params"},
    el("span", {class: "param", text: archive.output_mode}),
    el("span", {class: "param", text: "streams " + archive.stream_mode}));
  if (archive.resolution) options.append(el("span", {class: "param", text: archive.resolution}));
  if (!archive.has_audio) options.append(el("span", {class: "param", text: "no audio"}));
  if (!archive.has_video) options.append(el("span", {class: "param", text: "no video"}));
  if (archive.layout) options.append(el("span", {class: "param", text: "layout " + archive.layout.type}));
  if (archive.multi_archive_tag !== null) {
    options.append(el("span", {class: "param", text: "tag " + archive.multi_archive_tag}));
  }
  const result = el("td", {});
  if (archive.status === "available") {
    result.append(el("div", {text: archive.duration + " s, " + archive.size + " bytes"}),
                  el("div", {class: "sid", text: archive.url || ""}));
  } else {
    result.append(el("span", {class: "empty", text: "recording"}));
  }
  return el("tr", {"data-archive": archive.id},
    el("td", {class: "time", text: archive.created.replace("T", " ").replace("Z", "")}),
    el("td", {}, el("span", {class: "status " + archive.status, text: archive.status})),
    el("td", {}, el("div", {text: archive.name === null ? "(no name)" : archive.name}),
                 el("div", {class: "sid", text: archive.id})),
    el("td", {}, el("span", {class: "sid", text: archive.session_id})),
    el("td", {}, options),
    result);
}

async function pollArchives() {
  try {
    const data = await getJSON("archives");
    const body = document.getElementById("archives-body");
    // Archives change state, so the whole (bounded) list is redrawn each time.
    body.replaceChildren(...data.archives.map(archiveRow));
    document.getElementById("archives-empty").hidden = data.archives.length > 0;
    document.getElementById("archives-total").textContent = data.total > data.archives.length
      ? "Showing the newest " + data.archives.length + " of " + data.total + "."
      : "";
  } catch (error) {
    // The Sessions panel's indicator already says when the emulator cannot be reached.
  }
  setTimeout(pollArchives, POLL_MS);
}

// --- Rules -----------------------------------------------------------------------------------

async function loadRules() {
  const data = await getJSON("rules");
  const body = document.getElementById("rules-body");
  // Each cell names its column (data-label): on a phone the rows become cards that show it.
  body.replaceChildren(...data.rules.map((rule, index) => el("tr", {},
    el("td", {"data-label": "#", text: String(index + 1)}),
    el("td", {"data-label": "Id"}, el("code", {text: rule.id})),
    el("td", {"data-label": "Kind", text: rule.kind}),
    el("td", {"data-label": "Severity", text: rule.severity}),
    el("td", {"data-label": "Source", class: "mono", text: rule.source || "(no file)"}),
    el("td", {"data-label": "What it checks", class: "checks", text: rule.description}))));
  document.getElementById("policy-source").textContent = data.policy
    ? "Policy: " + data.policy
    : "No policy file: the library's rules, or rules given in code.";
}

// --- Try -------------------------------------------------------------------------------------

function tryOptions(form) {
  const options = {};
  for (const name of ["media_mode", "archive_mode", "location", "archive_name", "archive_resolution"]) {
    const value = form.elements[name].value;
    if (value !== "") options[name] = value;
  }
  options.e2ee = form.elements.e2ee.checked;
  const more = form.elements.more.value.trim();
  if (more !== "") {
    const extra = JSON.parse(more);
    if (extra === null || typeof extra !== "object" || Array.isArray(extra)) {
      throw new Error('other keys: a JSON object such as {"media_mod": "routed"}');
    }
    // Own keys only, set one by one: "__proto__" is an option name like any other here.
    for (const name of Object.keys(extra)) {
      Object.defineProperty(options, name, {value: extra[name], enumerable: true, writable: true, configurable: true});
    }
  }
  return options;
}

function violationList(items, extraClass) {
  return el("ul", {class: "violations" + (extraClass ? " " + extraClass : "")},
    ...items.map((v) => el("li", {"data-rule": v.rule},
      el("code", {text: v.rule}), v.field ? " (" + v.field + ")" : "", ": " + v.message)));
}

async function submitTry(event) {
  event.preventDefault();
  const result = document.getElementById("try-result");
  let options;
  try {
    options = tryOptions(event.target);
  } catch (error) {
    result.replaceChildren(el("p", {class: "error", text: error.message}));
    return;
  }
  try {
    const verdict = await postJSON("try", options);
    const parts = [el("p", {},
      el("span", {class: "verdict " + (verdict.ok ? "ok" : "bad"),
                  text: verdict.ok ? "Accepted" : "Refused"}),
      " ", el("code", {text: JSON.stringify(options)}))];
    if (verdict.violations.length) parts.push(el("h3", {text: "Violations"}), violationList(verdict.violations));
    if (verdict.warnings.length) parts.push(el("h3", {text: "Warnings"}), violationList(verdict.warnings, "warnings"));
    if (verdict.ok) {
      parts.push(el("h3", {text: "Spec"}), el("pre", {text: JSON.stringify(verdict.spec, null, 2)}));
      parts.push(el("h3", {text: "REST params"}), el("pre", {text: JSON.stringify(verdict.params, null, 2)}));
    }
    result.replaceChildren(...parts);
  } catch (error) {
    result.replaceChildren(el("p", {class: "error", text: error.message}));
  }
}

// --- Token -----------------------------------------------------------------------------------

function showValue(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// A token's claims are named by whoever made it: "constructor", "toString" or "__proto__"
// must read as the claim's own entry (or nothing), never as something every object inherits.
function ownEntry(object, name) {
  return object !== null && typeof object === "object" && Object.prototype.hasOwnProperty.call(object, name)
    ? object[name] : undefined;
}

async function submitToken(event) {
  event.preventDefault();
  const result = document.getElementById("token-result");
  const token = document.getElementById("token-input").value;
  try {
    const data = await postJSON("token", {token: token});
    if (!data.readable) {
      result.replaceChildren(el("p", {class: "error", text: data.problem}));
      return;
    }
    const verdict = data.verifies
      ? el("span", {class: "verdict ok", text: "Verifies with this emulator's credentials"})
      : el("span", {class: "verdict bad", text: "Does not verify: " + data.problem});
    const expired = data.expired === null
      ? el("span", {class: "verdict warn", text: "No expiry time"})
      : data.expired
        ? el("span", {class: "verdict bad", text: "Expired"})
        : el("span", {class: "verdict ok", text: "Not expired"});
    const facts = el("dl", {class: "facts"});
    for (const [name, value] of Object.entries(data.claims)) {
      const date = ownEntry(data.dates, name);
      const shownDate = typeof date === "string" ? "  (" + date.replace("T", " ").replace("Z", " UTC") + ")" : "";
      facts.append(el("dt", {}, el("code", {text: name})),
                   el("dd", {"data-claim": name, text: showValue(value) + shownDate}));
    }
    const parts = [el("p", {}, el("span", {class: "badge", text: data.format}), " ", verdict, " ", expired),
                   el("h3", {text: "Claims"}), facts];
    if (data.header) parts.push(el("h3", {text: "Header"}), el("pre", {text: JSON.stringify(data.header)}));
    result.replaceChildren(...parts);
  } catch (error) {
    result.replaceChildren(el("p", {class: "error", text: error.message}));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("try-form").addEventListener("submit", submitTry);
  document.getElementById("token-form").addEventListener("submit", submitToken);
  loadInfo().catch(() => {});
  loadRules().catch((error) => {
    document.getElementById("policy-source").textContent = "Could not load the rules: " + error.message;
  });
  pollSessions();
  pollArchives();
});
