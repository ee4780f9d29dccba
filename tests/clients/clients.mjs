// Normalizing GraphQL clients against a live peergraph server: Apollo Client's InMemoryCache and
// relay-runtime's store each read two overlapping graph slices and a profile, then read all three
// back from their cache; every answer must be what the server sent for that operation.
//
//   node tests/clients/clients.mjs '{"url": "...", "sliceA": {...}, "sliceB": {...}, "author": "..."}'
//
// Prints one JSON object: {"apollo": {"mismatches": [...]}, "relay": {"mismatches": [...],
// "warnings": [...]}, "control": {"mismatches": [...]}}. "control" reads the slices with a
// selection that aliases `id: entityId` (what GraphNode.id used to be) through Apollo: it must
// show mismatches, which proves the comparison can see a corrupted cache. Run the relay-compiler
// first (test_normalizing_clients.py does) so that __generated__/ holds the artifacts.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { isDeepStrictEqual } from 'node:util';
import { print } from 'graphql';
import {
  Environment,
  Network,
  RecordSource,
  Store,
  createOperationDescriptor,
  fetchQuery,
} from 'relay-runtime';

import sliceArtifact from './__generated__/ExplorerSliceQuery.graphql.js';
import profileArtifact from './__generated__/ExplorerProfileQuery.graphql.js';

const args = JSON.parse(process.argv[2]);

async function post(query, variables) {
  const response = await fetch(args.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`server errors: ${JSON.stringify(body.errors)}`);
  return body;
}

const operations = [
  { name: 'sliceA', artifact: sliceArtifact, variables: { input: args.sliceA } },
  { name: 'sliceB', artifact: sliceArtifact, variables: { input: args.sliceB } },
  { name: 'profile', artifact: profileArtifact, variables: { id: args.author } },
];

function text(artifact) {
  // the document as written in src/Explorer.js, before Relay adds ids to its selections
  return artifact.params.text;
}

function compare(client, op, got, sent, mismatches) {
  if (!isDeepStrictEqual(got, sent)) mismatches.push({ client, operation: op.name, got, sent });
}

async function apollo(documentOf) {
  const cache = new InMemoryCache();
  const client = new ApolloClient({ link: new HttpLink({ uri: args.url }), cache });
  const mismatches = [];
  const sent = {};
  for (const op of operations) {
    const doc = documentOf(op);
    // what the server sends for the document Apollo sends (it adds __typename everywhere)
    sent[op.name] = (await post(print(cache.transformDocument(doc)), op.variables)).data;
    const result = await client.query({ query: doc, variables: op.variables, fetchPolicy: 'network-only' });
    compare('apollo', op, result.data, sent[op.name], mismatches);
  }
  for (const op of operations) {
    const cached = client.readQuery({ query: documentOf(op), variables: op.variables });
    compare('apollo (cache)', op, cached, sent[op.name], mismatches);
  }
  return { mismatches };
}

async function relay() {
  const warnings = [];
  for (const level of ['warn', 'error']) {
    const original = console[level];
    console[level] = (...items) => {
      warnings.push(items.map(String).join(' '));
      original.apply(console, items);
    };
  }
  const network = Network.create(async (params, variables) => post(params.text, variables));
  const environment = new Environment({ network, store: new Store(new RecordSource()) });
  const mismatches = [];
  const sent = {};
  for (const op of operations) {
    sent[op.name] = (await post(text(op.artifact), op.variables)).data;
    await fetchQuery(environment, op.artifact, op.variables).toPromise();
  }
  for (const op of operations) {
    const descriptor = createOperationDescriptor(op.artifact, op.variables);
    const snapshot = environment.lookup(descriptor.fragment);
    compare('relay (store)', op, snapshot.data, project(sent[op.name], snapshot.data), mismatches);
    if (snapshot.isMissingData) mismatches.push({ client: 'relay', operation: op.name, missing: true });
  }
  return { mismatches, warnings };
}

// Relay's reader returns what the document selects; the server's answer also holds the ids Relay
// added to the text it sent (its normalization needs them): keep only the keys `shape` has.
function project(value, shape) {
  if (Array.isArray(value) && Array.isArray(shape)) return value.map((v, i) => project(v, shape[i]));
  if (value && typeof value === 'object' && shape && typeof shape === 'object') {
    return Object.fromEntries(Object.keys(shape).map((k) => [k, project(value[k], shape[k])]));
  }
  return value;
}

const plain = (op) => gql(text(op.artifact));
// relay-compiler adds `id` to a GraphNode selection (the deprecated per-slice id, at the nodes'
// six-space indent): the control drops it and selects the entity's id as `id` instead
const aliased = (op) =>
  op.name === 'profile'
    ? plain(op)
    : gql(text(op.artifact).replace(/^ {6}id\n/m, '').replace('entityId', 'id: entityId'));

const out = {
  apollo: await apollo(plain),
  relay: await relay(),
  control: await apollo(aliased),
};
process.stdout.write(JSON.stringify(out) + '\n');
