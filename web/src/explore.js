// The explorer (/explore?seed=ID&seed=ID…): several seeds, edge-kind and year filters, and the
// prior/derivative work lists when the server has them. It asks the server's schema which slice
// fields exist (GraphNode.entityId, GraphSliceInput.centers, GraphSlice.priorWorks…), so it works
// with servers before and after those were added.
import { gql } from "./api.js";
import { errorBox, h, link, mount } from "./dom.js";
import { graphPanel } from "./graph.js";
import { searchForm } from "./pages.js";

const FEATURES = `query { node: __type(name: "GraphNode") { fields { name } }
  slice: __type(name: "GraphSlice") { fields { name } }
  input: __type(name: "GraphSliceInput") { inputFields { name } }
  kinds: __type(name: "EdgeKind") { enumValues { name } } }`;
const LABELS = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Author { displayName } ... on Work { title }
  ... on Topic { displayName } ... on Institution { displayName } } }`;
const RANKED = (field) => `query($id: ID!) { node(id: $id) { ... on GraphSlice {
  ${field}(first: 10) { work { id title publicationYear } } } } }`;

async function features() {
  const data = await gql(FEATURES);
  const names = (t, key = "fields") => new Set((t?.[key] ?? []).map((f) => f.name));
  return {
    node: names(data.node),
    slice: names(data.slice),
    input: names(data.input, "inputFields"),
    kinds: (data.kinds?.enumValues ?? []).map((v) => v.name),
  };
}

function subscriptionDocument(f) {
  const optional = ["year", "citedByCount", "seeds"].filter((n) => f.node.has(n)).join(" ");
  return `subscription ExploreSlice($input: GraphSliceInput!) { graphSlice(input: $input) {
    id status retryAfterMs error truncated
    nodes { entityId ${optional} kind label hop weight hiddenNeighbors }
    edges { source target kind weight } } }`;
}

async function rankedList(sliceId, field, title) {
  try {
    const data = await gql(RANKED(field), { id: sliceId });
    const items = data.node?.[field] ?? [];
    return h("section", { "aria-label": title }, h("h2", {}, title),
      h("ol", {}, items.map((r) => h("li", {}, r.work.title, r.work.publicationYear ? ` (${r.work.publicationYear})` : ""))));
  } catch {
    return null; // the server's ranked-work fields differ from this client's: leave the list out
  }
}

export async function explorePage(root) {
  const params = new URLSearchParams(location.search);
  const seeds = params.getAll("seed").slice(0, 10);
  let f;
  try {
    f = await features();
  } catch (error) {
    mount(root, h("h1", {}, "Explorer"), errorBox(error));
    return;
  }
  const chosen = new Set(params.getAll("kind"));
  const seedList = h("ul", { class: "seeds" });
  const labels = seeds.length ? (await gql(LABELS, { ids: seeds }).catch(() => ({ nodes: [] }))).nodes : [];
  seeds.forEach((seed, i) => {
    const n = labels[i];
    seedList.append(h("li", {}, n ? (n.displayName ?? n.title) : seed, " ",
      h("button", { type: "button", onclick: () => go(seeds.filter((s) => s !== seed)) }, "Remove")));
  });
  const yearFrom = h("input", { id: "year-from", type: "number", min: 1900, max: 2100, value: params.get("from") ?? "" });
  const yearTo = h("input", { id: "year-to", type: "number", min: 1900, max: 2100, value: params.get("to") ?? "" });
  const kinds = f.kinds.map((kind) => h("label", { class: "kind" },
    h("input", { type: "checkbox", name: "kind", value: kind, checked: chosen.has(kind) }), ` ${kind.toLowerCase().replace("_", " ")}`));

  function go(nextSeeds) {
    const q = new URLSearchParams();
    for (const s of nextSeeds) q.append("seed", s);
    for (const box of root.querySelectorAll("input[name=kind]:checked")) q.append("kind", box.value);
    if (yearFrom.value) q.set("from", yearFrom.value);
    if (yearTo.value) q.set("to", yearTo.value);
    location.assign(`/explore?${q}`);
  }

  const filters = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); go(seeds); } },
    h("fieldset", {}, h("legend", {}, "Edge kinds (none checked: all)"), kinds),
    h("p", {}, h("label", { for: "year-from" }, "Works from year"), " ", yearFrom, " ",
      h("label", { for: "year-to" }, "to"), " ", yearTo),
    h("button", { type: "submit" }, "Apply filters"));
  const add = searchForm((hit) => h("button", { type: "button", onclick: () => go([...seeds, hit.node.id]) }, `Add ${hit.label}`), "Add a seed author");
  const lists = h("div", { class: "ranked" });
  const input = { radius: 1, maxNodes: 60 };
  if (chosen.size) input.edgeKinds = [...chosen];
  if (yearFrom.value) input.yearFrom = Number(yearFrom.value);
  if (yearTo.value) input.yearTo = Number(yearTo.value);
  const panel = seeds.length
    ? graphPanel({
        document: subscriptionDocument(f),
        centers: seeds,
        input,
        multiCenter: f.input.has("centers"),
        onSlice: async (slice) => {
          if (!f.slice.has("priorWorks") || lists.childElementCount) return;
          lists.append(...[await rankedList(slice.id, "priorWorks", "Prior works"),
            await rankedList(slice.id, "derivativeWorks", "Derivative works")].filter(Boolean));
        },
      })
    : h("p", {}, "Add a seed to start exploring.");
  mount(root, h("h1", {}, "Explorer"), h("h2", {}, "Seeds"), seedList, add, filters, panel, lists,
    h("p", {}, link("/", "Back to search")));
}
