/* SPDX-License-Identifier: EUPL-1.2
 * The analysts' modeler page: bpmn-js Modeler (vendored) on the version at
 * data-xml-url; "Validate" and "Deploy" POST the edited XML as JSON with the CSRF
 * header; the problems come back with element ids, are listed under the toolbar
 * and the elements are marked on the canvas (a click on a problem selects it).
 * A draft's page (modeler/draft.html) uses it too: its check saves a revision and
 * lists the problems with the elements' types and names.
 * The properties panel (properties.js) edits the selected element's PKIP
 * properties; what it still holds is applied before the XML is taken.
 */
(function () {
  "use strict";

  var root = document.getElementById("modeler");
  if (!root || !window.BpmnJS) {
    return;
  }
  root.hidden = false;
  var result = document.getElementById("modeler-result");
  var modeler = new window.BpmnJS({ container: "#canvas" });
  keepMessagePaths(modeler.get("moddle"));
  var panelRoot = document.getElementById("properties");
  var panel = panelRoot && window.PkipProperties
    ? window.PkipProperties.attach(modeler, panelRoot)
    : null;
  var marked = [];

  /* bpmn-moddle writes a correlation's <bpmn:messagePath> (and a binding's
   * <bpmn:dataPath>) as <bpmn:formalExpression>, which is not BPMN: SpiffWorkflow
   * reads it back only through a workaround, other tools not at all. Serialising
   * these two properties under their own names keeps the file as it was. */
  function keepMessagePaths(moddle) {
    [
      ["bpmn:CorrelationPropertyRetrievalExpression", "messagePath"],
      ["bpmn:CorrelationPropertyBinding", "dataPath"]
    ].forEach(function (pair) {
      try {
        var descriptor = moddle.getElementDescriptor(moddle.getType(pair[0]));
        descriptor.properties.forEach(function (property) {
          if (property.name === pair[1]) {
            property.xml = Object.assign({}, property.xml, { serialize: "property" });
          }
        });
      } catch (error) {
        /* another bpmn-js version: the server reads formalExpression too */
      }
    });
  }

  /* The diagram as XML, with what the properties panel still holds applied;
   * rejects when a field of the panel is invalid. */
  function diagramXML() {
    if (panel && !panel.commit()) {
      return Promise.reject(new Error("panel"));
    }
    return modeler.saveXML({ format: true });
  }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function clearMarkers() {
    var canvas = modeler.get("canvas");
    marked.forEach(function (id) {
      canvas.removeMarker(id, "diagram-problem");
    });
    marked = [];
  }

  function focusElement(id) {
    var element = modeler.get("elementRegistry").get(id);
    if (!element) {
      return;
    }
    modeler.get("selection").select(element);
    var canvas = modeler.get("canvas");
    if (canvas.scrollToElement) {
      canvas.scrollToElement(element);
    }
  }

  function showAnswer(body, ok) {
    clearMarkers();
    result.textContent = "";
    result.className = "modeler-result " + (ok ? "flash flash-success" : "flash flash-error");
    var heading = document.createElement("p");
    heading.textContent = body.message || "";
    result.appendChild(heading);
    if (body.definition && body.definition.edit_url) {
      var link = document.createElement("a");
      link.href = body.definition.edit_url;
      link.textContent = root.dataset.msgDeployedLink;
      result.appendChild(link);
    }
    var problems = body.problems || [];
    if (!problems.length) {
      return;
    }
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    var list = document.createElement("ul");
    list.className = "problems";
    problems.forEach(function (p) {
      var item = document.createElement("li");
      if (p.element_id && registry.get(p.element_id)) {
        canvas.addMarker(p.element_id, "diagram-problem");
        marked.push(p.element_id);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = p.element_id;
        button.addEventListener("click", function () {
          focusElement(p.element_id);
        });
        item.appendChild(button);
        item.appendChild(document.createTextNode(": "));
      } else if (p.element_id) {
        var code = document.createElement("code");
        code.textContent = p.element_id;
        item.appendChild(code);
        item.appendChild(document.createTextNode(": "));
      }
      if (p.type) {
        /* a draft's problems name the element's type and name too */
        var what = document.createElement("span");
        what.className = "hint";
        what.textContent = p.type + (p.name ? " «" + p.name + "»" : "") + ": ";
        item.appendChild(what);
        item.appendChild(document.createTextNode(p.reason));
      } else {
        item.appendChild(document.createTextNode(p.reason + " (" + p.file + ")"));
      }
      list.appendChild(item);
    });
    result.appendChild(list);
  }

  /* Problems listed by the server with the page (a draft's): mark their elements
   * on the canvas; a click on one, here or in the warnings, selects it. */
  function markListed() {
    var registry = modeler.get("elementRegistry");
    var canvas = modeler.get("canvas");
    result.querySelectorAll("[data-element-id]").forEach(function (button) {
      var id = button.getAttribute("data-element-id");
      if (registry.get(id) && marked.indexOf(id) < 0) {
        canvas.addMarker(id, "diagram-problem");
        marked.push(id);
      }
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-element-id]");
    if (button) {
      focusElement(button.getAttribute("data-element-id"));
    }
  });

  function target() {
    var select = document.getElementById("deploy-target");
    return select ? select.value : "variant";
  }

  function send(url) {
    result.className = "modeler-result";
    result.textContent = root.dataset.msgWorking;
    return diagramXML()
      .then(function (saved) {
        return fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ xml: saved.xml, target: target() })
        });
      })
      .then(function (response) {
        return response.json().then(function (body) {
          showAnswer(body, response.ok);
        });
      })
      .catch(function (error) {
        var message = error && error.message === "panel"
          ? root.dataset.msgPanelInvalid
          : root.dataset.msgFailed;
        showAnswer({ message: message, problems: [] }, false);
      });
  }

  function download() {
    diagramXML().then(function (saved) {
      var blob = new Blob([saved.xml], { type: "application/xml" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = root.dataset.fileName;
      document.body.appendChild(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(link.href);
    }, function () {
      showAnswer({ message: root.dataset.msgPanelInvalid, problems: [] }, false);
    });
  }

  root.querySelector('[data-action="validate"]').addEventListener("click", function () {
    send(root.dataset.validateUrl);
  });
  root.querySelector('[data-action="deploy"]').addEventListener("click", function () {
    send(root.dataset.deployUrl);
  });
  root.querySelector('[data-action="download"]').addEventListener("click", download);

  fetch(root.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.text();
    })
    .then(function (xml) {
      return modeler.importXML(xml);
    })
    .then(function () {
      modeler.get("canvas").zoom("fit-viewport");
      markListed();
    })
    .catch(function () {
      showAnswer({ message: root.dataset.msgLoadFailed, problems: [] }, false);
    });
})();
