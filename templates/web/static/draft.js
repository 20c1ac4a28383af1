/* AZX fill-in pages: a draft of the form kept on this device (localStorage), so that what was
   typed survives a dropped network or a closed tab. Only the form's own fields are kept: never
   the CSRF token, the session (an HttpOnly cookie, out of reach here), files or photo digests.
   Served from /app/static (the pages allow no inline script). No library. */
(function () {
  "use strict";
  var form = document.getElementById("fill");
  if (!form || !form.dataset.draft) { return; }
  var KEY = "azx-draft:" + form.dataset.draft;
  var en = (document.documentElement.lang || "").indexOf("en") === 0;
  var note = document.getElementById("draft-note");
  var clear = document.getElementById("draft-clear");
  var SKIP = /^(csrf|_action)$|\.__(photo|file)$/;

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function kept(el) {
    return el.name && !SKIP.test(el.name) && el.type !== "file" && el.type !== "submit" &&
      el.type !== "button" && el.type !== "password";
  }

  function read() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el)) { return; }
      if (!(el.name in fields)) { fields[el.name] = []; }
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { fields[el.name].push(el.value); }
      } else {
        fields[el.name].push(el.value);
      }
    });
    return fields;
  }

  function save() {
    var s = store();
    if (!s) { return; }
    try {
      s.setItem(KEY, JSON.stringify({ v: 1, saved: new Date().toISOString(), fields: read() }));
      clear.hidden = false;
    } catch (e) { /* full or refused: the page still works without a draft */ }
  }

  function load() {
    var s = store();
    if (!s) { return null; }
    try {
      var d = JSON.parse(s.getItem(KEY) || "null");
      return d && d.v === 1 && d.fields ? d : null;
    } catch (e) { return null; }
  }

  function say(text) {
    if (!note) { return; }
    note.textContent = text;
    note.hidden = false;
  }

  function restore(draft) {
    var missing = [];
    var present = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (kept(el)) { present[el.name] = true; }
    });
    Object.keys(draft.fields).forEach(function (name) {
      var vals = draft.fields[name];
      if (!present[name]) { missing.push(name); }
      form.querySelectorAll("[name]").forEach(function (el) {
        if (el.name !== name || !kept(el)) { return; }
        if (el.type === "radio" || el.type === "checkbox") {
          el.checked = vals.indexOf(el.value) >= 0;
        } else if (vals.length) {
          el.value = vals[0];
        }
      });
    });
    var rowsDiffer = Object.keys(draft.fields).some(function (name) {
      if (!/\.__rows$/.test(name)) { return false; }
      var el = form.querySelector('input[name="' + name.replace(/"/g, "") + '"]');
      return !el || el.defaultValue !== draft.fields[name][0];
    });
    if (missing.length || rowsDiffer) {
      // Rows the fresh page has not got: the server draws them with the values (no check).
      missing.forEach(function (name) {
        draft.fields[name].forEach(function (v) {
          var h = document.createElement("input");
          h.type = "hidden"; h.name = name; h.value = v;
          form.appendChild(h);
        });
      });
      var act = document.createElement("input");
      act.type = "hidden"; act.name = "_action"; act.value = "restore";
      form.appendChild(act);
      form.submit();
      return;
    }
    say(en ? "The draft kept on this device (" + draft.saved.slice(0, 16).replace("T", " ") +
      " UTC) is restored." : "已恢复本机保存的草稿（" + draft.saved.slice(0, 16).replace("T", " ") +
      " UTC）。");
  }

  var draft = load();
  if (draft) {
    clear.hidden = false;
    if (form.dataset.fresh === "1") { restore(draft); }
  }
  if (form.dataset.restored === "1" && draft) {
    say(en ? "The draft kept on this device is restored." : "已恢复本机保存的草稿。");
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  if (!form.dataset.fresh) { save(); }

  clear.addEventListener("click", function () {
    var s = store();
    if (s) { s.removeItem(KEY); }
    window.location.assign(window.location.pathname + window.location.search);
  });

  var preview = document.getElementById("preview");
  if (preview) { preview.scrollIntoView(); }
}());
