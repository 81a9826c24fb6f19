/* SPDX-License-Identifier: EUPL-1.2
 * The modeler's properties panel (webapp/templates/modeler/properties.html): shows
 * the selected element's type, id and name and the PKIP properties the engine reads
 * (engine/deploy.py), and writes changes into the diagram so that what "Validate"
 * and "Deploy" send is what the panel shows.
 *
 * The properties are <spiffworkflow:property name=".." value=".."/> elements in
 * <bpmn:extensionElements><spiffworkflow:properties>. bpmn-js does not know that
 * namespace; it keeps such elements as generic ones (with $children) and writes them
 * back unchanged. A descriptor for the namespace is deliberately not registered:
 * one that described only some spiffworkflow elements would drop the others (the
 * connector operators, scripts, correlations) on import. Properties are therefore
 * created with moddle.createAny under the prefix the document already uses.
 *
 * Each change is one command on bpmn-js's command stack ("pkip.updateProperty"),
 * so Ctrl+Z undoes it like any edit on the canvas.
 *
 * window.PkipProperties.attach(modeler, panelElement) returns { commit() }: apply
 * what is still being typed; false when a field is invalid.
 */
(function () {
  "use strict";

  var SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  var CAMUNDA = "http://camunda.org/schema/1.0/bpmn";
  var COMMAND = "pkip.updateProperty";

  function isA(bo, type) {
    return !!bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type);
  }

  function isSpiff(node, localName) {
    var descriptor = node && node.$descriptor;
    return (
      !!descriptor &&
      !!descriptor.ns &&
      descriptor.ns.uri === SPIFF &&
      descriptor.ns.localName === localName
    );
  }

  function extensionValues(bo) {
    var ext = bo.get("extensionElements");
    return (ext && ext.get("values")) || [];
  }

  function holders(bo) {
    return extensionValues(bo).filter(function (value) {
      return isSpiff(value, "properties");
    });
  }

  function propertyNodes(holder, name) {
    return (holder.$children || []).filter(function (child) {
      return isSpiff(child, "property") && (name === undefined || child.name === name);
    });
  }

  /* name -> value; a later property of the same name wins, as on the server, and
   * so do they over Camunda Modeler's formKey and candidateGroups attributes. */
  function readProperties(bo, camunda) {
    var found = {};
    var attrs = (camunda && bo.$attrs) || {};
    if (attrs[camunda + ":formKey"]) {
      found.formKey = attrs[camunda + ":formKey"];
    }
    if (attrs[camunda + ":candidateGroups"]) {
      found.candidateGroup = attrs[camunda + ":candidateGroups"].split(",")[0].trim();
    }
    holders(bo).forEach(function (holder) {
      propertyNodes(holder).forEach(function (node) {
        if (node.name) {
          found[node.name] = node.value == null ? "" : String(node.value);
        }
      });
    });
    return found;
  }

  /* The prefix the document declares for a namespace, or fallback. */
  function prefixOf(modeler, uri, fallback) {
    var definitions = modeler.getDefinitions();
    var attrs = (definitions && definitions.$attrs) || {};
    var prefix = fallback;
    Object.keys(attrs).forEach(function (key) {
      if (key.indexOf("xmlns:") === 0 && attrs[key] === uri) {
        prefix = key.slice(6);
      }
    });
    return prefix;
  }

  /* The command: set (or with "" remove) one property of context.target, a business
   * object; context.element is the diagram element to redraw. */
  function PropertyHandler(moddle, prefix) {
    this.moddle = moddle;
    this.prefix = prefix;
  }

  PropertyHandler.prototype.execute = function (context) {
    var bo = context.target;
    var ext = bo.get("extensionElements");
    var all = holders(bo);
    var holder = all.length ? all[0] : null;
    var existing = [];
    all.forEach(function (h) {
      existing = existing.concat(propertyNodes(h, context.name));
    });
    context.before = {
      ext: ext,
      values: ext ? ext.get("values").slice() : null,
      children: all.map(function (h) {
        return [h, (h.$children || []).slice()];
      }),
      valuesOf: existing.map(function (node) {
        return [node, node.value];
      })
    };
    if (context.value === "") {
      if (!existing.length) {
        return [context.element];
      }
      all.forEach(function (h) {
        h.$children = (h.$children || []).filter(function (child) {
          return existing.indexOf(child) < 0;
        });
      });
      var kept = ext.get("values").filter(function (value) {
        return !isSpiff(value, "properties") || (value.$children || []).length;
      });
      ext.set("values", kept);
      if (!kept.length) {
        bo.set("extensionElements", undefined);
      }
    } else if (existing.length) {
      existing.forEach(function (node) {
        node.value = context.value;
      });
    } else {
      var prefix = this.prefix();
      if (!ext) {
        ext = this.moddle.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = bo;
        bo.set("extensionElements", ext);
      }
      if (!holder) {
        holder = this.moddle.createAny(prefix + ":properties", SPIFF, {});
        holder.$children = [];
        holder.$parent = ext;
        ext.set("values", ext.get("values").concat([holder]));
      }
      var node = this.moddle.createAny(prefix + ":property", SPIFF, {
        name: context.name,
        value: context.value
      });
      node.$parent = holder;
      holder.$children = (holder.$children || []).concat([node]);
    }
    return [context.element];
  };

  PropertyHandler.prototype.revert = function (context) {
    var before = context.before;
    var bo = context.target;
    bo.set("extensionElements", before.ext);
    if (before.ext) {
      before.ext.set("values", before.values);
    }
    before.children.forEach(function (pair) {
      pair[0].$children = pair[1];
    });
    before.valuesOf.forEach(function (pair) {
      pair[0].value = pair[1];
    });
    return [context.element];
  };

  function Panel(modeler, root) {
    var self = this;
    this.modeler = modeler;
    this.root = root;
    this.form = root.querySelector("#properties-form");
    this.message = root.querySelector("#properties-message");
    this.types = JSON.parse(document.getElementById("properties-types").textContent);
    this.element = null;
    this.kinds = [];
    this.fields = Array.prototype.slice.call(root.querySelectorAll("[data-show]"));
    this.inputs = Array.prototype.slice.call(
      root.querySelectorAll("[data-property], [data-attribute], [data-process-attribute]")
    );
    this.picker = root.querySelector("#prop-element");

    modeler.get("commandStack").register(
      COMMAND,
      new PropertyHandler(modeler.get("moddle"), function () {
        return prefixOf(modeler, SPIFF, "spiffworkflow");
      })
    );

    var eventBus = modeler.get("eventBus");
    eventBus.on("selection.changed", function (event) {
      var selected = event.newSelection || [];
      if (selected.length > 1) {
        self.show(null, root.dataset.msgSeveral);
      } else {
        var element = selected[0] || modeler.get("canvas").getRootElement();
        self.show(element.labelTarget || element);
      }
    });
    /* A double click renames an element on the canvas, and bpmn-js takes the
     * second click to deselect it: the panel follows the element being edited. */
    eventBus.on("directEditing.activate", function (event) {
      var element = event.active && event.active.element;
      if (element) {
        self.show(element.labelTarget || element);
      }
    });
    eventBus.on("elements.changed", function (event) {
      if (self.element && event.elements.indexOf(self.element) >= 0) {
        self.refresh();
      }
      self.schedulePicker();
    });
    eventBus.on("import.done", function () {
      self.show(modeler.get("canvas").getRootElement());
      self.schedulePicker();
    });

    this.inputs.forEach(function (input) {
      input.addEventListener("input", function () {
        input.dataset.dirty = "1";
      });
      input.addEventListener("change", function () {
        self.apply(input);
      });
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.commit();
    });
    if (this.picker) {
      this.picker.addEventListener("change", function () {
        self.select(self.picker.value);
      });
    }
  }

  Panel.prototype.kindsOf = function (element) {
    var bo = element && element.businessObject;
    if (!bo || isA(bo, "bpmn:Collaboration")) {
      return null;
    }
    if (isA(bo, "bpmn:Participant")) {
      return bo.processRef ? ["process", "participant"] : ["other"];
    }
    if (isA(bo, "bpmn:Process")) {
      return ["process"];
    }
    if (isA(bo, "bpmn:Lane")) {
      return ["lane"];
    }
    if (isA(bo, "bpmn:UserTask")) {
      return ["userTask"];
    }
    if (isA(bo, "bpmn:StartEvent")) {
      return ["startEvent"];
    }
    return ["other"];
  };

  /* The business object that holds the properties: the process for a pool. */
  Panel.prototype.target = function () {
    var bo = this.element.businessObject;
    return isA(bo, "bpmn:Participant") ? bo.processRef : bo;
  };

  Panel.prototype.laneOf = function (bo) {
    var name = "";
    this.modeler
      .get("elementRegistry")
      .filter(function (element) {
        return isA(element.businessObject, "bpmn:Lane");
      })
      .forEach(function (lane) {
        if ((lane.businessObject.flowNodeRef || []).indexOf(bo) >= 0) {
          name = lane.businessObject.name || lane.businessObject.id;
        }
      });
    return name;
  };

  Panel.prototype.show = function (element, text) {
    var changed = element !== this.element;
    if (changed && this.element) {
      this.commit(); /* what was typed belongs to the element shown so far */
    }
    var kinds = this.kindsOf(element);
    this.element = kinds ? element : null;
    this.kinds = kinds || [];
    if (!kinds) {
      this.form.hidden = true;
      this.message.hidden = false;
      this.message.textContent = text || this.root.dataset.msgNothing;
      this.syncPicker();
      return;
    }
    this.form.hidden = false;
    this.message.hidden = true;
    var self = this;
    this.fields.forEach(function (field) {
      field.hidden = !field.dataset.show.split(" ").some(function (kind) {
        return self.kinds.indexOf(kind) >= 0;
      });
    });
    var name = this.root.querySelector("#prop-name");
    if (this.kinds.indexOf("lane") >= 0) {
      name.setAttribute("list", "prop-groups");
    } else {
      name.removeAttribute("list");
    }
    if (changed) {
      this.inputs.forEach(function (input) {
        delete input.dataset.dirty;
        self.setError(input, null);
      });
    }
    this.refresh();
    this.syncPicker();
  };

  /* Put the model's values into the fields (not into one being typed in). */
  Panel.prototype.refresh = function () {
    if (!this.element) {
      return;
    }
    var bo = this.element.businessObject;
    var target = this.target();
    var props = readProperties(target, prefixOf(this.modeler, CAMUNDA, null));
    var root = this.root;
    var types = this.types;
    root.querySelector("#prop-type").textContent = types[bo.$type] || bo.$type;
    root.querySelector("#prop-id").value = bo.id || "";
    root.querySelector("#prop-process-id").value = target.id || "";
    root.querySelector("#prop-lane").value = this.laneOf(bo);
    this.inputs.forEach(function (input) {
      if (input.dataset.dirty || input.getAttribute("aria-invalid") === "true") {
        return;
      }
      var value;
      if (input.dataset.property) {
        value = props[input.dataset.property] || "";
      } else if (input.dataset.processAttribute) {
        value = target.name || "";
      } else {
        value = (isA(bo, "bpmn:TextAnnotation") ? bo.text : bo.name) || "";
      }
      if (input.tagName === "SELECT") {
        ensureOption(input, value, root.dataset.msgUnknownForm);
      }
      input.value = value;
    });
  };

  function ensureOption(select, value, template) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
    if (!known && value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = template.replace("{key}", value);
      select.appendChild(option);
    }
  }

  Panel.prototype.setError = function (input, text) {
    var error = document.getElementById(input.id + "-error");
    if (text) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    if (error) {
      error.textContent = text || "";
      error.hidden = !text;
    }
  };

  Panel.prototype.problem = function (input, value) {
    var data = this.root.dataset;
    if (input.dataset.number) {
      if ((input.validity && input.validity.badInput) || (value && !/^\d+$/.test(value))) {
        return data.msgWholeNumber;
      }
      if (input.dataset.number === "priority" && value && parseInt(value, 10) > 100) {
        return data.msgPriorityRange;
      }
    }
    var other = input.dataset.exclusive && document.getElementById(input.dataset.exclusive);
    if (value && other && !other.closest("[hidden]") && other.value.trim()) {
      return data.msgOneDeadline;
    }
    return null;
  };

  /* Write one field into the diagram; false when its value is refused. */
  Panel.prototype.apply = function (input) {
    delete input.dataset.dirty;
    if (!this.element) {
      return true;
    }
    var value = input.value.trim();
    var problem = this.problem(input, value);
    this.setError(input, problem);
    if (problem) {
      return false;
    }
    var element = this.element;
    var bo = element.businessObject;
    var modeling = this.modeler.get("modeling");
    if (input.dataset.property) {
      var target = this.target();
      var camunda = prefixOf(this.modeler, CAMUNDA, null);
      if ((readProperties(target, camunda)[input.dataset.property] || "") !== value) {
        this.modeler.get("commandStack").execute(COMMAND, {
          element: element,
          target: target,
          name: input.dataset.property,
          value: value
        });
      }
    } else if (input.dataset.processAttribute) {
      var process = this.target();
      if ((process.name || "") !== value) {
        modeling.updateModdleProperties(element, process, { name: value || undefined });
      }
    } else {
      var current = (isA(bo, "bpmn:TextAnnotation") ? bo.text : bo.name) || "";
      if (current === value) {
        return true;
      }
      if (element === this.modeler.get("canvas").getRootElement()) {
        modeling.updateProperties(element, { name: value || undefined });
      } else {
        modeling.updateLabel(element, value);
      }
    }
    return true;
  };

  /* Apply every field still being typed in; false when one is invalid. */
  Panel.prototype.commit = function () {
    var self = this;
    var ok = true;
    this.inputs.forEach(function (input) {
      if (input.dataset.dirty && !self.apply(input)) {
        ok = false;
      }
      if (input.getAttribute("aria-invalid") === "true" && !input.closest("[hidden]")) {
        ok = false;
      }
    });
    return ok;
  };

  /* -- the element list: choosing an element without a pointer ------------------ */
  Panel.prototype.schedulePicker = function () {
    var self = this;
    if (!this.picker || this.pickerPending) {
      return;
    }
    this.pickerPending = true;
    window.setTimeout(function () {
      self.pickerPending = false;
      self.fillPicker();
    }, 0);
  };

  Panel.prototype.fillPicker = function () {
    var types = this.types;
    var rootElement = this.modeler.get("canvas").getRootElement();
    var entries = this.modeler
      .get("elementRegistry")
      .filter(function (element) {
        return (
          element.type !== "label" &&
          element !== rootElement &&
          element.businessObject &&
          !isA(element.businessObject, "bpmn:Collaboration") &&
          element.id.indexOf("__implicitroot") < 0
        );
      })
      .map(function (element) {
        var bo = element.businessObject;
        var name = (isA(bo, "bpmn:TextAnnotation") ? bo.text : bo.name) || "";
        var type = types[bo.$type] || bo.$type;
        return { id: element.id, text: (name ? name + " — " : "") + type + " (" + bo.id + ")" };
      })
      .sort(function (a, b) {
        return a.text.localeCompare(b.text, document.documentElement.lang || "lv");
      });
    var picker = this.picker;
    var first = picker.options[0];
    picker.textContent = "";
    picker.appendChild(first);
    entries.forEach(function (entry) {
      var option = document.createElement("option");
      option.value = entry.id;
      option.textContent = entry.text;
      picker.appendChild(option);
    });
    this.syncPicker();
  };

  Panel.prototype.syncPicker = function () {
    if (this.picker) {
      var id = this.element ? this.element.id : "";
      var known = Array.prototype.some.call(this.picker.options, function (option) {
        return option.value === id;
      });
      this.picker.value = known ? id : "";
    }
  };

  Panel.prototype.select = function (id) {
    var canvas = this.modeler.get("canvas");
    var element = id ? this.modeler.get("elementRegistry").get(id) : null;
    if (!element) {
      this.modeler.get("selection").select(null);
      return;
    }
    this.modeler.get("selection").select(element);
    if (canvas.scrollToElement) {
      canvas.scrollToElement(element);
    }
  };

  window.PkipProperties = {
    attach: function (modeler, root) {
      var panel = new Panel(modeler, root);
      return {
        commit: function () {
          return panel.commit();
        }
      };
    }
  };
})();
