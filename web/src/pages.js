// The smaller pages: search (/), log in and sign up (/login), the signed-in user's claims and
// invitations (/me), and the admin's claim review (/admin).
import { gql, setToken, token } from "./api.js";
import { errorBox, h, link, mount } from "./dom.js";

const SEARCH = `query($text: String!) { search(text: $text, kinds: [AUTHOR], first: 10) {
  label score node { id ... on Author { counts { works } } } } }`;

export function searchForm(onPick, label = "Search authors") {
  const input = h("input", { id: "search", type: "search", autocomplete: "off", placeholder: "e.g. Mimi Xie", maxlength: 200 });
  const results = h("ul", { class: "search-results", "aria-live": "polite" });
  const message = h("p", { class: "message", role: "status" });
  const form = h("form", {
    role: "search",
    onsubmit: async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      message.textContent = "";
      if (!text) {
        message.textContent = "Type a name to search.";
        return;
      }
      try {
        const data = await gql(SEARCH, { text });
        results.replaceChildren(...data.search.map((hit) => h("li", {}, onPick(hit))));
        if (!data.search.length) message.textContent = "No author matches; try another spelling.";
      } catch (error) {
        message.textContent = `${error.message} (${error.code})`;
      }
    },
  }, h("label", { for: "search" }, label), " ", input, " ", h("button", { type: "submit" }, "Search"));
  return h("div", {}, form, message, results);
}

export function homePage(root) {
  mount(root,
    h("h1", {}, "peergraph"),
    h("p", {}, "Researcher profiles and the research graph around them."),
    searchForm((hit) => link(`/authors/${encodeURIComponent(hit.node.id)}`, hit.label)),
    h("p", {}, link("/explore", "Open the explorer"), " · ", link("/graphql", "GraphQL IDE")),
  );
}

const AUTH = (name) => `mutation($email: String!, $password: String!) { ${name}(email: $email, password: $password) {
  token user { email } userErrors { code message field } } }`;

export function loginPage(root) {
  const email = h("input", { id: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("p", { class: "message", role: "alert" });
  const next = new URLSearchParams(location.search).get("next");
  const safeNext = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  async function submit(mutation) {
    message.textContent = "";
    try {
      const data = await gql(AUTH(mutation), { email: email.value, password: password.value });
      const payload = data[mutation];
      if (payload.userErrors.length) {
        message.textContent = payload.userErrors.map((e) => `${e.message} (${e.code})`).join("; ");
        return;
      }
      setToken(payload.token);
      location.assign(safeNext);
    } catch (error) {
      message.textContent = `${error.message} (${error.code})`;
    }
  }
  mount(root,
    h("h1", {}, "Log in or sign up"),
    h("form", { onsubmit: (event) => { event.preventDefault(); submit("logIn"); } },
      h("p", {}, h("label", { for: "email" }, "Email"), " ", email),
      h("p", {}, h("label", { for: "password" }, "Password"), " ", password),
      h("button", { type: "submit" }, "Log in"), " ",
      h("button", { type: "button", onclick: () => submit("signUp") }, "Sign up")),
    message,
  );
}

const ME = `query { viewer { user { email isAdmin }
  claims { id status author { id displayName } }
  invitations(direction: RECEIVED, first: 50) { edges { node { id status message createdAt
    sender { email author { id displayName } } author { displayName } } } } } }`;
const RESPOND = `mutation($id: ID!, $accept: Boolean!) { respondToInvitation(invitationId: $id, accept: $accept) {
  invitation { status } userErrors { code message } } }`;

export async function mePage(root) {
  if (!token()) return loginPage(root);
  let data;
  try {
    data = await gql(ME);
  } catch (error) {
    mount(root, errorBox(error), link("/login", "Log in again"));
    return;
  }
  const viewer = data.viewer;
  const message = h("p", { class: "message", role: "status" });
  const invitation = ({ node }) => {
    const sender = node.sender.author
      ? link(`/authors/${encodeURIComponent(node.sender.author.id)}`, node.sender.author.displayName)
      : node.sender.email;
    const status = h("span", {}, node.status);
    const answer = (accept) => async () => {
      try {
        const result = (await gql(RESPOND, { id: node.id, accept })).respondToInvitation;
        if (result.userErrors.length) message.textContent = result.userErrors[0].message;
        else status.textContent = result.invitation.status;
      } catch (error) {
        message.textContent = error.message;
      }
    };
    return h("li", {}, "From ", sender, `: “${node.message}” `, status,
      node.status === "PENDING" ? [" ", h("button", { type: "button", onclick: answer(true) }, "Accept"), " ",
        h("button", { type: "button", onclick: answer(false) }, "Decline")] : null);
  };
  mount(root,
    h("h1", {}, viewer.user.email),
    h("p", {}, h("button", { type: "button", onclick: async () => {
      try { await gql("mutation { logOut { ok } }"); } finally { setToken(null); location.assign("/"); }
    } }, "Log out"), viewer.user.isAdmin ? [" · ", link("/admin", "Review claims")] : null),
    h("h2", {}, "Your claims"),
    h("ul", {}, viewer.claims.map((c) => h("li", {}, link(`/authors/${encodeURIComponent(c.author.id)}`, c.author.displayName), ` ${c.status}`))),
    h("h2", {}, "Invitations received"),
    viewer.invitations.edges.length ? h("ul", { class: "invitations" }, viewer.invitations.edges.map(invitation))
      : h("p", {}, "None yet. Invitations reach the profile you claimed."),
    message,
  );
}

const CLAIMS_TO_REVIEW = `query { viewer { user { isAdmin } claimsToReview {
  id status orcid createdAt author { id displayName } } } }`;
const REVIEW = `mutation($id: ID!, $approve: Boolean!, $verify: Boolean) { reviewClaim(claimId: $id, approve: $approve, verify: $verify) {
  claim { status } userErrors { code message } } }`;

export async function adminPage(root) {
  if (!token()) return loginPage(root);
  let data;
  try {
    data = await gql(CLAIMS_TO_REVIEW);
  } catch (error) {
    mount(root, h("h1", {}, "Review claims"), errorBox(error), h("p", {}, "Only administrators review claims."));
    return;
  }
  const claims = data.viewer.claimsToReview;
  const row = (claim) => {
    const status = h("td", {}, claim.status);
    const review = (approve, verify) => async () => {
      try {
        const result = (await gql(REVIEW, { id: claim.id, approve, verify })).reviewClaim;
        status.textContent = result.userErrors.length
          ? result.userErrors.map((e) => `${e.message} (${e.code})`).join("; ")
          : result.claim.status;
      } catch (error) {
        status.textContent = `${error.message} (${error.code})`;
      }
    };
    return h("tr", {},
      h("td", {}, link(`/authors/${encodeURIComponent(claim.author.id)}`, claim.author.displayName)),
      h("td", {}, claim.orcid ?? "none"), h("td", {}, claim.createdAt.slice(0, 10)), status,
      h("td", {}, h("button", { type: "button", onclick: review(true, false) }, "Approve"), " ",
        h("button", { type: "button", onclick: review(true, true) }, "Approve as verified"), " ",
        h("button", { type: "button", onclick: review(false, false) }, "Reject")));
  };
  mount(root, h("h1", {}, "Review claims"),
    claims.length
      ? h("table", {}, h("caption", {}, "Claims waiting for review, oldest first"),
          h("thead", {}, h("tr", {}, ["Author", "ORCID", "Sent", "Status", "Decision"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, claims.map(row)))
      : h("p", {}, "No claim is waiting for review."));
}
