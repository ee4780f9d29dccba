// The documents tests/clients/doc_clients.mjs sends through the Relay set-up of docs/clients.md:
// relay-compiler turns them into __generated__/DocClients*.graphql.js.
/* global graphql */

export const work = graphql`
query DocClientsWorkQuery($id: ID!) {
  work(id: $id) { id title publicationYear }
}
`;

export const slice = graphql`
subscription DocClientsSliceSubscription($input: GraphSliceInput!) {
  graphSlice(input: $input) { id status nodes { entityId kind label hop } }
}
`;
