/* SPDX-License-Identifier: EUPL-1.2
   The form editor (webapp/forms_editor): a field list that writes the JSON schema in
   the text area (the one the Save button posts), the JSON tab that reads it back,
   and a live preview rendered by the server (POST /forms/preview). The server checks
   the schema again on save; nothing here is trusted. */
(function () {
  "use strict";

  var FORMATS = ["personas-kods", "registracijas-numurs", "kadastra-numurs", "email",
    "talrunis", "iban", "atvk"];
  var TYPES = ["text", "textarea", "number", "integer", "date", "choice", "yesno"]
    .concat(FORMATS).concat(["file"]);
  // Keys the field list owns; any other key of a field is kept as it was.
  var OWNED = ["type", "title", "x-title-en", "description", "x-description-en", "format",
    "x-widget", "enum", "x-enumTitles", "x-enumTitles-en", "x-showWhen"];

  var form, textarea, list, texts, previewBox, previewErrors, jsonError;
  var state = { fields: [], root: {} };
  var previewTimer = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) {
        node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
      }
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // -- schema <-> fields ------------------------------------------------------------
  function typeOf(p) {
    if (p["x-widget"] === "file" || p.type === "object" && p["x-widget"] === "file") return "file";
    if (Array.isArray(p.enum)) return "choice";
    if (p.type === "boolean") return "yesno";
    if (p.type === "number") return "number";
    if (p.type === "integer") return "integer";
    if (p.format === "date") return "date";
    if (FORMATS.indexOf(p.format) >= 0) return p.format;
    if (p["x-widget"] === "textarea") return "textarea";
    return "text";
  }

  function isGeneratedCondition(item, fields) {
    if (!item || !item["if"] || !item.then || Object.keys(item).length !== 2) return false;
    var req = item.then.required;
    if (!Array.isArray(req) || req.length !== 1) return false;
    return fields.some(function (f) { return f.name === req[0] && f.showWhen; });
  }

  function fromSchema(schema) {
    var props = schema.properties || {};
    var required = Array.isArray(schema.required) ? schema.required : [];
    var fields = Object.keys(props).map(function (name) {
      var p = props[name] || {};
      var extra = {};
      Object.keys(p).forEach(function (k) { if (OWNED.indexOf(k) < 0) extra[k] = p[k]; });
      var titles = p["x-enumTitles"] || [], titlesEn = p["x-enumTitles-en"] || [];
      var options = (p.enum || []).map(function (v, i) {
        var lv = Array.isArray(titles) ? titles[i] : titles[v];
        var en = Array.isArray(titlesEn) ? titlesEn[i] : titlesEn[v];
        return [String(v), lv || "", en || ""].join(" | ").replace(/( \| )+$/, "");
      });
      var when = p["x-showWhen"];
      return {
        name: name, type: typeOf(p), title: p.title || "", titleEn: p["x-title-en"] || "",
        description: p.description || "", descriptionEn: p["x-description-en"] || "",
        required: required.indexOf(name) >= 0, options: options.join("\n"),
        showWhen: when && when.field ? when.field : "",
        equals: when && when.equals !== undefined ? String(when.equals) : "",
        extra: extra
      };
    });
    var root = {};
    Object.keys(schema).forEach(function (k) {
      if (["properties", "required"].indexOf(k) < 0) root[k] = schema[k];
    });
    if (Array.isArray(root.allOf)) {
      // a required field shown under a condition is required only then
      fields.forEach(function (f) {
        root.allOf.forEach(function (item) {
          if (isGeneratedCondition(item, fields) && item.then.required[0] === f.name) {
            f.required = true;
          }
        });
      });
      root.allOf = root.allOf.filter(function (i) { return !isGeneratedCondition(i, fields); });
      if (!root.allOf.length) delete root.allOf;
    }
    return { fields: fields, root: root };
  }

  function typed(value, other) {
    // The condition's value in the other field's type (yes/no, number, text).
    if (!other) return value;
    if (other.type === "yesno") return value === "true" || value === "jā" || value === "Jā";
    if ((other.type === "number" || other.type === "integer") && value !== "" && !isNaN(Number(value))) {
      return Number(value);
    }
    return value;
  }

  function propertyOf(f) {
    var p = {};
    var t = f.type;
    if (t === "file") { p.type = "object"; p["x-widget"] = "file"; }
    else if (t === "yesno") { p.type = "boolean"; p["x-widget"] = "radio"; }
    else if (t === "number" || t === "integer") { p.type = t; }
    else { p.type = "string"; }
    if (t === "date") p.format = "date";
    if (FORMATS.indexOf(t) >= 0) p.format = t;
    if (t === "textarea") p["x-widget"] = "textarea";
    p.title = f.title;
    if (f.titleEn) p["x-title-en"] = f.titleEn;
    if (f.description) p.description = f.description;
    if (f.descriptionEn) p["x-description-en"] = f.descriptionEn;
    if (t === "choice") {
      var lines = f.options.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
      var parts = lines.map(function (l) { return l.split("|").map(function (s) { return s.trim(); }); });
      p["enum"] = parts.map(function (x) { return x[0]; });
      p["x-enumTitles"] = parts.map(function (x) { return x[1] || x[0]; });
      if (parts.some(function (x) { return x[2]; })) {
        p["x-enumTitles-en"] = parts.map(function (x) { return x[2] || x[1] || x[0]; });
      }
    }
    if (f.showWhen) {
      var other = state.fields.filter(function (o) { return o.name === f.showWhen; })[0];
      p["x-showWhen"] = { field: f.showWhen };
      if (f.equals !== "") p["x-showWhen"].equals = typed(f.equals, other);
    }
    Object.keys(f.extra || {}).forEach(function (k) {
      var stale = (k === "maxLength" && t !== "text" && t !== "textarea") ||
        (["x-maxBytes", "x-accept"].indexOf(k) >= 0 && t !== "file");
      if (!stale) p[k] = f.extra[k];
    });
    return p;
  }

  function toSchema() {
    var schema = {};
    Object.keys(state.root).forEach(function (k) { schema[k] = state.root[k]; });
    schema.type = "object";
    schema.properties = {};
    var required = [], conditions = [];
    state.fields.forEach(function (f) {
      if (!f.name) return;
      schema.properties[f.name] = propertyOf(f);
      if (!f.required) return;
      if (f.showWhen) {
        var cond = { properties: {}, required: [f.showWhen] };
        var when = schema.properties[f.name]["x-showWhen"];
        if (when.equals !== undefined) cond.properties[f.showWhen] = { "const": when.equals };
        conditions.push({ "if": cond, then: { required: [f.name] } });
      } else {
        required.push(f.name);
      }
    });
    schema.required = required;
    if (conditions.length) schema.allOf = (schema.allOf || []).concat(conditions);
    return schema;
  }

  // -- the field list ---------------------------------------------------------------
  function input(id, label, value, onInput, opts) {
    opts = opts || {};
    var control = opts.multiline
      ? el("textarea", { id: id, rows: "3" })
      : el("input", { id: id, type: "text", spellcheck: opts.code ? "false" : null });
    control.value = value;
    control.addEventListener("input", function () { onInput(control.value); changed(false); });
    if (opts.code) control.addEventListener("change", function () { renderList(); });
    return el("div", { "class": "field" }, [el("label", { "for": id, text: label }), control]);
  }

  function select(id, label, value, options, onChange) {
    var control = el("select", { id: id });
    options.forEach(function (o) {
      var option = el("option", { value: o[0], text: o[1] });
      if (o[0] === value) option.selected = true;
      control.appendChild(option);
    });
    control.addEventListener("change", function () { onChange(control.value); changed(true); });
    return el("div", { "class": "field" }, [el("label", { "for": id, text: label }), control]);
  }

  function card(f, i) {
    var id = "fe-" + i;
    var others = [["", texts.always]].concat(state.fields
      .filter(function (o) { return o !== f && o.name; })
      .map(function (o) { return [o.name, (o.title || o.name) + " (" + o.name + ")"]; }));
    var requiredBox = el("input", { type: "checkbox", id: id + "-required" });
    requiredBox.checked = f.required;
    requiredBox.addEventListener("change", function () { f.required = requiredBox.checked; changed(false); });
    var tools = el("div", { "class": "tools" }, [
      button(texts.up, i === 0, function () { move(i, -1); }),
      button(texts.down, i === state.fields.length - 1, function () { move(i, 1); }),
      button(texts.remove, false, function () { state.fields.splice(i, 1); changed(true); })
    ]);
    var body = [
      el("h3", { text: texts.field + " " + (i + 1) + (f.title ? ": " + f.title : "") }),
      el("div", { "class": "row" }, [
        input(id + "-title", texts.label, f.title, function (v) { f.title = v; }),
        input(id + "-title-en", texts.label_en, f.titleEn, function (v) { f.titleEn = v; })
      ]),
      el("div", { "class": "row" }, [
        input(id + "-name", texts.name, f.name, function (v) { f.name = v.trim(); }, { code: true }),
        select(id + "-type", texts.type, f.type,
          TYPES.map(function (t) { return [t, texts.types[t] || t]; }),
          function (v) { f.type = v; })
      ]),
      el("div", { "class": "choice" }, [requiredBox,
        el("label", { "for": id + "-required", text: " " + texts.required })]),
      el("div", { "class": "row" }, [
        input(id + "-help", texts.help, f.description, function (v) { f.description = v; }),
        input(id + "-help-en", texts.help_en, f.descriptionEn, function (v) { f.descriptionEn = v; })
      ])
    ];
    if (f.type === "choice") {
      body.push(input(id + "-options", texts.options, f.options,
        function (v) { f.options = v; }, { multiline: true }));
    }
    body.push(el("div", { "class": "row" }, [
      select(id + "-when", texts.condition, f.showWhen, others, function (v) { f.showWhen = v; }),
      f.showWhen ? input(id + "-equals", texts.equals, f.equals, function (v) { f.equals = v; }) : null
    ]));
    body.push(tools);
    return el("li", { "class": "field-card", "data-field": f.name }, body);
  }

  function button(label, disabled, onClick) {
    var b = el("button", { type: "button", "class": "secondary", disabled: disabled, text: label });
    b.addEventListener("click", onClick);
    return b;
  }

  function move(i, by) {
    var f = state.fields.splice(i, 1)[0];
    state.fields.splice(i + by, 0, f);
    changed(true);
  }

  function renderList() {
    var focused = document.activeElement && document.activeElement.id;
    list.textContent = "";
    state.fields.forEach(function (f, i) { list.appendChild(card(f, i)); });
    var back = focused && document.getElementById(focused);
    if (back) back.focus();
  }

  // -- keeping the JSON and the preview in step -------------------------------------
  function changed(rebuild) {
    state.root.title = document.getElementById("form-title").value;
    var titleEn = document.getElementById("form-title-en").value;
    if (titleEn) state.root["x-title-en"] = titleEn; else delete state.root["x-title-en"];
    textarea.value = JSON.stringify(toSchema(), null, 2);
    jsonError.hidden = true;
    if (rebuild) renderList();
    schedulePreview();
  }

  function readJson() {
    var schema;
    try { schema = JSON.parse(textarea.value); } catch (e) {
      jsonError.textContent = texts.invalid_json + " " + e.message;
      jsonError.hidden = false;
      return false;
    }
    if (!schema || typeof schema !== "object" || Array.isArray(schema)) return false;
    jsonError.hidden = true;
    state = fromSchema(schema);
    document.getElementById("form-title").value = state.root.title || "";
    document.getElementById("form-title-en").value = state.root["x-title-en"] || "";
    renderList();
    schedulePreview();
    return true;
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 300);
  }

  function preview() {
    var schema;
    try { schema = JSON.parse(textarea.value); } catch (e) { return; }
    var csrf = document.querySelector('meta[name="csrf-token"]').content;
    fetch(form.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ schema: schema, language: form.dataset.language })
    }).then(function (r) { return r.json().then(function (b) { return [r.status, b]; }); })
      .then(function (res) {
        previewErrors.textContent = "";
        if (res[0] === 200) {
          previewBox.innerHTML = res[1].html; // the server's renderer escapes every text
          if (window.pkipFormConditions) window.pkipFormConditions(previewBox);
          return;
        }
        var ul = el("ul", {}, (res[1].errors || []).map(function (e) {
          return el("li", { text: (e.path ? e.path + ": " : "") + e.message });
        }));
        previewErrors.appendChild(ul);
      })
      .catch(function () { previewErrors.textContent = texts.preview_failed; });
  }

  function showTab(which) {
    var fields = which === "fields";
    document.getElementById("panel-fields").hidden = !fields;
    document.getElementById("panel-json").hidden = fields;
    document.getElementById("tab-fields").setAttribute("aria-selected", String(fields));
    document.getElementById("tab-json").setAttribute("aria-selected", String(!fields));
    if (fields) readJson();
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("form-editor");
    if (!form) return;
    textarea = document.getElementById("schema");
    list = document.getElementById("field-list");
    previewBox = document.getElementById("preview");
    previewErrors = document.getElementById("preview-errors");
    jsonError = document.getElementById("json-error");
    texts = JSON.parse(document.getElementById("editor-texts").textContent);
    document.getElementById("editor-tabs").hidden = false;
    document.getElementById("preview-panel").hidden = false;
    document.getElementById("tab-fields").addEventListener("click", function () { showTab("fields"); });
    document.getElementById("tab-json").addEventListener("click", function () { showTab("json"); });
    document.getElementById("form-title").addEventListener("input", function () { changed(false); });
    document.getElementById("form-title-en").addEventListener("input", function () { changed(false); });
    document.getElementById("add-field").addEventListener("click", function () {
      var n = state.fields.length + 1;
      while (state.fields.some(function (f) { return f.name === "field_" + n; })) n++;
      state.fields.push({ name: "field_" + n, type: "text", title: "", titleEn: "",
        description: "", descriptionEn: "", required: false, options: "", showWhen: "",
        equals: "", extra: {} });
      changed(true);
      var added = document.getElementById("fe-" + (state.fields.length - 1) + "-title");
      if (added) added.focus();
    });
    textarea.addEventListener("input", function () {
      try { JSON.parse(textarea.value); jsonError.hidden = true; schedulePreview(); } catch (e) { /* shown on leaving the tab */ }
    });
    form.addEventListener("submit", function () {
      // the JSON tab's text is what is posted; from the field list it is rebuilt
      if (!document.getElementById("panel-fields").hidden) textarea.value = JSON.stringify(toSchema(), null, 2);
    });
    if (readJson()) showTab("fields"); else showTab("json");
  });
})();
