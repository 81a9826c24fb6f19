/* SPDX-License-Identifier: EUPL-1.2
 * Read-only diagrams (bpmn-js NavigatedViewer, vendored): every element with the
 * class "js-diagram" gets the diagram at data-xml-url, with
 *   data-markers='{"added": ["id", …], "changed": […]}'  → CSS class diff-<kind>
 *   data-overlays='[{"id": "task", "count": 3, "label": "3 waiting"}]' → a badge
 * The page says the same things in a table, so nothing here is needed to read it.
 */
(function () {
  "use strict";

  function addMarkers(viewer, markers) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    Object.keys(markers || {}).forEach(function (kind) {
      (markers[kind] || []).forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, "diff-" + kind);
        }
      });
    });
  }

  function addOverlays(viewer, overlays) {
    var registry = viewer.get("elementRegistry");
    var layer = viewer.get("overlays");
    (overlays || []).forEach(function (item) {
      if (!registry.get(item.id)) {
        return;
      }
      var badge = document.createElement("span");
      badge.className = "diagram-count" + (item.overdue ? " diagram-count-overdue" : "");
      badge.textContent = String(item.count);
      badge.title = item.label || "";
      layer.add(item.id, { position: { top: -12, right: 12 }, html: badge });
    });
  }

  function show(container) {
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport");
        addMarkers(viewer, JSON.parse(container.dataset.markers || "{}"));
        addOverlays(viewer, JSON.parse(container.dataset.overlays || "[]"));
      })
      .catch(function () {
        container.textContent = container.dataset.msgLoadFailed || "—";
      });
  }

  document.querySelectorAll(".js-diagram").forEach(show);
})();
