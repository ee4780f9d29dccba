// The graph panel: draws graph slices with Cytoscape.js, following each slice through the
// graphSlice subscription (PENDING "Building this graph slice…", then READY or FAILED), and
// expands a node on click (or with its "Expand" button) by asking for the slice centred on it
// with `exclude` set to the nodes already shown. A node's entity is its `entityId` (DESIGN.md).
import cytoscape from "cytoscape";
import { subscribe } from "./api.js";
import { h } from "./dom.js";

const COLORS = { AUTHOR: "#1f5fa8", WORK: "#9a4d00", TOPIC: "#2a7a3a", INSTITUTION: "#7a2a7a" };
const MAX_EXCLUDE = 200;

export function entityOf(node) {
  return node.entityId;
}

/**
 * A panel for the slices around `centers`; `document` is the subscription document, `input`
 * the GraphSliceInput fields besides the center(s). `onSlice(slice)` sees each READY slice.
 */
export function graphPanel({ document, centers, input = {}, multiCenter = false, onSlice }) {
  const status = h("p", { class: "slice-status", role: "status", "aria-live": "polite" });
  const canvas = h("div", { class: "graph-canvas", "aria-hidden": "true" });
  const list = h("ul", { class: "graph-nodes", "aria-label": "Nodes in the graph" });
  const panel = h(
    "section",
    { class: "graph-panel", "aria-label": "Research graph", dataset: { status: "PENDING" } },
    h("h2", {}, "Research graph"),
    status,
    canvas,
    h("details", {}, h("summary", {}, "Nodes as a list"), list),
  );
  // created when the first slice arrives: the panel is in the page by then, and Cytoscape
  // measures its container (and binds its pointer events) only once, when it starts
  let cy = null;
  const start = () => {
    cy = cytoscape({
      container: canvas,
      style: [
        {
          selector: "node",
          style: {
            label: "data(short)",
            "font-size": 9,
            "background-color": "data(color)",
            width: "data(size)",
            height: "data(size)",
            color: "#222",
          },
        },
        { selector: "node.center", style: { "border-width": 3, "border-color": "#000" } },
        { selector: "edge", style: { width: 1, "line-color": "#bbb", "curve-style": "haystack" } },
      ],
    });
    cy.on("tap", "node", (event) => expand(event.target.id()));
    panel.cy = cy;
  };
  const shown = new Set();
  const expanded = new Set();
  const subscriptions = [];
  let pending = 0;

  function setStatus(value, text) {
    panel.dataset.status = value;
    status.textContent = text;
  }

  function addSlice(slice, near) {
    if (!cy) start();
    const added = [];
    for (const node of slice.nodes) {
      const id = entityOf(node);
      if (shown.has(id)) continue;
      shown.add(id);
      const origin = near ? cy.getElementById(near).position() : { x: 0, y: 0 };
      added.push({
        group: "nodes",
        data: {
          id,
          label: node.label,
          short: node.label.length > 28 ? `${node.label.slice(0, 27)}…` : node.label,
          kind: node.kind,
          color: COLORS[node.kind] ?? "#555",
          size: node.hop === 0 ? 26 : 14 + Math.min(10, node.hiddenNeighbors ?? 0),
          hidden: node.hiddenNeighbors,
        },
        position: { x: origin.x + (Math.random() - 0.5) * 80, y: origin.y + (Math.random() - 0.5) * 80 },
        classes: node.hop === 0 && !near ? "center" : "",
      });
      list.append(
        h(
          "li",
          { dataset: { entity: id } },
          `${node.label} (${node.kind.toLowerCase()}) `,
          h("button", { type: "button", onclick: () => expand(id) }, "Expand"),
        ),
      );
    }
    for (const edge of slice.edges) {
      const id = `${edge.kind}:${edge.source}:${edge.target}`;
      if (cy.getElementById(id).nonempty()) continue;
      added.push({ group: "edges", data: { id, source: edge.source, target: edge.target, kind: edge.kind } });
    }
    cy.add(added.filter((e) => e.group === "nodes"));
    cy.add(added.filter((e) => e.group === "edges" && shown.has(e.data.source) && shown.has(e.data.target)));
    cy.resize();
    cy.layout({ name: "cose", animate: false, randomize: false, fit: true, nodeDimensionsIncludeLabels: false }).run();
    panel.dataset.nodes = String(cy.nodes().length);
  }

  function follow(variables, near) {
    pending += 1;
    setStatus("PENDING", "Building this graph slice…");
    let done = false;
    const stop = subscribe(
      document,
      variables,
      (data) => {
        const slice = data.graphSlice;
        if (slice.status === "PENDING") return;
        done = true;
        pending -= 1;
        if (slice.status === "READY") {
          addSlice(slice, near);
          onSlice?.(slice);
          if (pending === 0) {
            const more = slice.truncated ? " Some neighbours were left out: click a node to expand it." : "";
            setStatus("READY", `${cy.nodes().length} nodes, ${cy.edges().length} links.${more}`);
          }
        } else {
          setStatus("FAILED", `This graph slice could not be built: ${slice.error ?? "unknown error"}. Reload to retry.`);
        }
      },
      (error) => {
        if (done) return;
        pending -= 1;
        setStatus("FAILED", `The graph is unavailable: ${error.message}`);
      },
    );
    subscriptions.push(stop);
  }

  function expand(id) {
    if (expanded.has(id)) return;
    expanded.add(id);
    panel.dataset.expanded = [...expanded].join(" ");
    const exclude = [...shown].filter((e) => e !== id).slice(0, MAX_EXCLUDE);
    follow({ input: { ...input, center: id, exclude, radius: 1 } }, id);
  }

  if (multiCenter && centers.length > 1) follow({ input: { ...input, centers } });
  else for (const center of centers) follow({ input: { ...input, center } });
  panel.expand = expand;
  panel.dispose = () => {
    for (const stop of subscriptions) stop();
    cy?.destroy();
  };
  return panel;
}
