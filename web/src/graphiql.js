// GraphiQL for /graphql in a browser, bundled (no CDN): queries over HTTP, subscriptions over
// graphql-transport-ws, the docs explorer from introspection. The Bearer token the web client
// stored (after "Log in") signs requests in.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/graphiql.css";

const token = localStorage.getItem("peergraph.token");
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const fetcher = createGraphiQLFetcher({
  url: "/graphql",
  subscriptionUrl: `${scheme}//${location.host}/graphql`,
  headers,
  wsConnectionParams: headers,
});
const query = "# peergraph: press the play button to run.\n{\n  search(text: \"xie\", kinds: [AUTHOR], first: 5) {\n    label\n    node { id }\n  }\n}\n";
createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, { fetcher, defaultQuery: query, isHeadersEditorEnabled: true, shouldPersistHeaders: false }),
);
