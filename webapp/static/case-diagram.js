// SPDX-License-Identifier: EUPL-1.2
// The case page's diagram: the vendored bpmn-js navigated viewer draws the XML from
// #case-diagram-data and marks the finished, current and failed steps with CSS
// markers (work.css). Element ids the diagram does not have (steps of a called
// process) are skipped. The bpmn.io watermark stays visible, as its licence asks.
(function () {
  "use strict";
  var holder = document.getElementById("case-diagram");
  var source = document.getElementById("case-diagram-data");
  if (!holder || !source || typeof window.BpmnJS === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var viewer = new window.BpmnJS({ container: holder });
  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    function mark(ids, marker) {
      (ids || []).forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, marker);
        }
      });
    }
    mark(data.finished, "pkip-finished");
    mark(data.current, "pkip-current");
    mark(data.incidents, "pkip-incident");
    canvas.zoom("fit-viewport");
    holder.setAttribute("data-ready", "true");
  }).catch(function () {
    holder.textContent = holder.getAttribute("data-error");
  });
})();
