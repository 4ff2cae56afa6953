// Filtering, sorting and hover highlighting for the propagation report. No network, no eval.
(function () {
  "use strict";
  var filter = document.getElementById("outlet-filter");
  var show = document.getElementById("outlet-show");
  var count = document.getElementById("filter-count");
  var lanes = document.getElementById("timeline-lanes");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#outlets tbody tr"));

  function apply() {
    var query = filter.value.trim().toLowerCase();
    var wanted = show.value;
    var visible = {};
    var shown = 0;
    rows.forEach(function (row) {
      var states = (row.getAttribute("data-state") || "").split(" ");
      var ok = (!query || row.getAttribute("data-outlet").indexOf(query) >= 0) &&
        (wanted === "all" || states.indexOf(wanted) >= 0);
      row.hidden = !ok;
      if (ok) { visible[row.getAttribute("data-outlet")] = true; shown += 1; }
    });
    var all = !query && wanted === "all";
    document.querySelectorAll("#timeline-lanes [data-outlet], .lane-names [data-outlet]").forEach(function (node) {
      var names = node.getAttribute("data-outlet").split("\n");
      var match = names.some(function (name) { return visible[name]; });
      node.classList.toggle("dim", !all && !match);
    });
    count.textContent = all ? "" : shown + " of " + rows.length + " outlets";
  }
  filter.addEventListener("input", apply);
  show.addEventListener("change", apply);

  document.querySelectorAll("table.sortable th[data-sort]").forEach(function (head) {
    head.addEventListener("click", function () {
      var table = head.closest("table");
      var body = table.tBodies[0];
      var index = Array.prototype.indexOf.call(head.parentNode.children, head);
      var numeric = head.getAttribute("data-sort") === "number";
      var down = head.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (th) { th.removeAttribute("aria-sort"); });
      head.setAttribute("aria-sort", down ? "ascending" : "descending");
      var sorted = Array.prototype.slice.call(body.rows).sort(function (a, b) {
        var x = a.cells[index].getAttribute("data-value") || "";
        var y = b.cells[index].getAttribute("data-value") || "";
        var order = numeric ? (parseFloat(x || "Infinity") - parseFloat(y || "Infinity"))
          : x.localeCompare(y);
        return down ? order : -order;
      });
      sorted.forEach(function (row) { body.appendChild(row); });
    });
  });

  if (lanes) {
    var detail = document.getElementById("timeline-detail");
    // Pointer and keyboard alike: a dot under the mouse or in focus shows its edges and details.
    var highlight = function (event) {
      var node = event.target.getAttribute && event.target.getAttribute("data-node");
      if (!node) { return; }
      lanes.classList.add("faded");
      lanes.querySelectorAll(".edge").forEach(function (edge) {
        var linked = edge.getAttribute("data-source") === node ||
          edge.getAttribute("data-target") === node;
        edge.classList.toggle("focus", linked);
      });
      detail.textContent = event.target.getAttribute("aria-label") || "";
    };
    var clear = function (event) {
      if (event.target.getAttribute && event.target.getAttribute("data-node")) {
        lanes.classList.remove("faded");
      }
    };
    lanes.addEventListener("mouseover", highlight);
    lanes.addEventListener("focusin", highlight);
    lanes.addEventListener("mouseout", clear);
    lanes.addEventListener("focusout", clear);
  }
  document.documentElement.setAttribute("data-script", "ready");
})();
