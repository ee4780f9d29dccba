// The slice document the normalizing-client test reads (tests/clients/test_normalizing_clients.py).
// relay-compiler turns it into __generated__/ExplorerSliceQuery.graphql.js; clients.mjs sends the
// same text through Apollo. The profile (src/ExplorerProfile.js) is written by the test from
// docs/queries/profile.graphql, with the operation renamed as Relay wants (`<module>Query`).
/* global graphql */

export const slice = graphql`
query ExplorerSliceQuery($input: GraphSliceInput!) {
  graphSlice(input: $input) {
    id status truncated
    nodes {
      entityId kind label hop weight hiddenNeighbors year firstYear lastYear citedByCount seeds
      node { __typename id ... on Author { displayName } ... on Work { title publicationYear } }
    }
    edges { source target kind weight }
  }
}
`;

