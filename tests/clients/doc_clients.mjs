// The client set-ups of docs/clients.md (Apollo Client, Relay, urql), as written there, against a
// live peergraph server: tests/clients/test_doc_clients.py writes each set-up to doc/<name>.js with
// the server's address, runs relay-compiler, then runs
//
//   node tests/clients/doc_clients.mjs '{"work": "<id>", "title": "...", "slice": {...}}'
//
// Each client sends a query twice (the persisted query link sends it by hash), follows a slice
// over the subscription until it completes, and reads the query back from its cache. Prints one
// JSON object: {"<client>": {"titles": [...], "persistedHits": n, "statuses": [...],
// "cached": "..."}} for the test to check.
import WebSocket from "ws";
import { gql } from "@apollo/client";
import { createOperationDescriptor, fetchQuery, requestSubscription } from "relay-runtime";
import { onEnd, pipe, subscribe } from "wonka";

import { makeClient as makeApollo } from "./doc/apollo.js";
import { makeEnvironment } from "./doc/relay.js";
import { makeClient as makeUrql } from "./doc/urql.js";
import workArtifact from "./__generated__/DocClientsWorkQuery.graphql.js";
import sliceArtifact from "./__generated__/DocClientsSliceSubscription.graphql.js";

const args = JSON.parse(process.argv[2]);
const WORK = "query Work($id: ID!) { work(id: $id) { id title publicationYear } }";
const SLICE = `subscription Slice($input: GraphSliceInput!) {
  graphSlice(input: $input) { id status nodes { entityId kind label hop } }
}`;

// every HTTP request the clients make, with its answer: a persisted query is one whose body has
// the hash and no query text, and whose answer has data
const exchanges = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const response = await realFetch(url, init);
  const body = init?.body ? JSON.parse(init.body) : {};
  exchanges.push({ body, answer: await response.clone().json() });
  return response;
};

function persistedHits(from) {
  return exchanges
    .slice(from)
    .filter((e) => e.body.extensions?.persistedQuery && !e.body.query && e.answer.data?.work).length;
}

function follow(subscribe) {
  return new Promise((resolve, reject) => {
    const statuses = [];
    const timer = setTimeout(() => reject(new Error(`no complete after ${statuses}`)), 60_000);
    subscribe({
      next: (data) => statuses.push(data.graphSlice.status),
      error: (error) => { clearTimeout(timer); reject(error); },
      complete: () => { clearTimeout(timer); resolve(statuses); },
    });
  });
}

async function apollo() {
  const from = exchanges.length;
  const client = makeApollo({ webSocketImpl: WebSocket });
  const query = gql(WORK);
  const titles = [];
  for (let i = 0; i < 2; i++) {
    const result = await client.query({ query, variables: { id: args.work }, fetchPolicy: "network-only" });
    titles.push(result.data.work.title);
  }
  const statuses = await follow((sink) =>
    client.subscribe({ query: gql(SLICE), variables: { input: args.slice } }).subscribe({
      next: (result) => sink.next(result.data),
      error: sink.error,
      complete: sink.complete,
    }));
  const cached = client.readQuery({ query, variables: { id: args.work }})?.work.title;
  client.stop();
  return { titles, persistedHits: persistedHits(from), statuses, cached };
}

async function relay() {
  const from = exchanges.length;
  const environment = makeEnvironment({ webSocketImpl: WebSocket });
  const titles = [];
  for (let i = 0; i < 2; i++) {
    const data = await fetchQuery(environment, workArtifact, { id: args.work }, { fetchPolicy: "network-only" }).toPromise();
    titles.push(data.work.title);
  }
  const statuses = await follow((sink) =>
    requestSubscription(environment, {
      subscription: sliceArtifact,
      variables: { input: args.slice },
      onNext: sink.next,
      onError: sink.error,
      onCompleted: sink.complete,
    }));
  const snapshot = environment.lookup(createOperationDescriptor(workArtifact, { id: args.work }).fragment);
  return { titles, persistedHits: persistedHits(from), statuses, cached: snapshot.data?.work?.title };
}

async function urql() {
  const from = exchanges.length;
  const client = makeUrql({ webSocketImpl: WebSocket });
  const titles = [];
  for (let i = 0; i < 2; i++) {
    const result = await client.query(WORK, { id: args.work }, { requestPolicy: "network-only" }).toPromise();
    if (result.error) throw result.error;
    titles.push(result.data.work.title);
  }
  const statuses = await follow((sink) =>
    pipe(
      client.subscription(SLICE, { input: args.slice }),
      onEnd(sink.complete),
      subscribe((result) => (result.error ? sink.error(result.error) : sink.next(result.data))),
    ));
  const cached = (await client.query(WORK, { id: args.work }, { requestPolicy: "cache-only" }).toPromise())
    .data?.work.title;
  return { titles, persistedHits: persistedHits(from), statuses, cached };
}

const out = { apollo: await apollo(), relay: await relay(), urql: await urql() };
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
