// The profile page (/authors/{id}): the page data in ONE request (docs/queries/author_page.graphql,
// a trusted document), the graph panel through the subscription, and the signed-in actions.
import AUTHOR_PAGE from "../../docs/queries/author_page.graphql";
import SLICE_UPDATES from "../../docs/queries/slice_updates.graphql";
import { gql, token } from "./api.js";
import { errorBox, h, link, mount } from "./dom.js";
import { graphPanel } from "./graph.js";

const FOLLOW = `mutation($id: ID!) { follow(authorId: $id) {
  author { counts { followers } viewerIsFollowing } userErrors { code message } } }`;
const UNFOLLOW = `mutation($id: ID!) { unfollow(authorId: $id) {
  author { counts { followers } viewerIsFollowing } userErrors { code message } } }`;
const CLAIM = `mutation($id: ID!) { claimAuthor(authorId: $id) {
  claim { status } userErrors { code message } } }`;
const INVITE = `mutation($id: ID!, $message: String!) { sendInvitation(authorId: $id, message: $message) {
  invitation { id status } userErrors { code message } } }`;
const UPDATE = `mutation($id: ID!, $description: String, $open: Boolean) {
  updateAuthorProfile(authorId: $id, description: $description, openToCollaborate: $open) {
    author { description openToCollaborate } userErrors { code message field } } }`;

const CLAIM_TEXT = {
  ANONYMOUS: null,
  CAN_CLAIM: null,
  PENDING_FOR_YOU: "Your claim on this profile is waiting for an administrator.",
  CLAIMED_BY_YOU: "This is your profile.",
  CLAIMED_BY_SOMEONE_ELSE: "This profile is claimed by its author.",
  HOLDING_ANOTHER_CLAIM: "You already claimed another profile: a user claims one.",
};

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

async function mutate(message, query, variables, key) {
  message.textContent = "";
  try {
    const data = await gql(query, variables);
    const errors = data[key].userErrors;
    if (errors.length) {
      message.textContent = errors.map((e) => `${e.message} (${e.code})`).join("; ");
      return null;
    }
    return data[key];
  } catch (error) {
    message.textContent = `${error.message} (${error.code})`;
    return null;
  }
}

function trustBlock(trust) {
  return h(
    "section",
    { class: "trust", "aria-label": "Trust snapshot" },
    h("h2", {}, "Trust"),
    h(
      "p",
      { class: "trust-line" },
      h("strong", { class: "trust-score" }, String(trust.score)),
      " ",
      h("span", { class: "trust-label" }, trust.label),
      " · verification ",
      h("span", { class: "trust-level" }, trust.verificationLevel),
      " · ",
      trust.claimed ? "claimed author" : "unclaimed author",
    ),
    h(
      "ul",
      { class: "trust-components" },
      trust.components.map((c) => h("li", {}, `${c.name}: ${c.points} of ${c.maxPoints}`)),
    ),
  );
}

function countsBlock(author, followButton) {
  const c = author.counts;
  return h(
    "ul",
    { class: "counts", "aria-label": "Counts" },
    h("li", { class: "count-works" }, plural(c.works, "work")),
    h("li", { class: "count-followers" }, plural(c.followers, "follower")),
    h("li", { class: "count-topics" }, plural(c.topics, "topic")),
    h("li", { class: "count-collaborators" }, plural(c.closeCollaborators, "close collaborator")),
    followButton ? h("li", {}, followButton) : null,
  );
}

function followControl(author, page) {
  const message = h("span", { class: "message", role: "status" });
  if (!token()) return h("span", {}, h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}` }, "Log in to follow"));
  const button = h("button", { type: "button", class: "follow", "aria-pressed": String(author.viewerIsFollowing) });
  const render = (following) => {
    button.textContent = following ? "Unfollow" : "Follow";
    button.setAttribute("aria-pressed", String(following));
  };
  render(author.viewerIsFollowing);
  button.addEventListener("click", async () => {
    const following = button.getAttribute("aria-pressed") === "true";
    const result = await mutate(message, following ? UNFOLLOW : FOLLOW, { id: author.id }, following ? "unfollow" : "follow");
    if (result) {
      render(result.author.viewerIsFollowing);
      page.querySelector(".count-followers").textContent = plural(result.author.counts.followers, "follower");
    }
  });
  return h("span", {}, button, " ", message);
}

function claimControl(author) {
  const message = h("p", { class: "message", role: "status" });
  const state = author.claim.viewerState;
  const box = h("section", { class: "claim", "aria-label": "Claim", dataset: { state } });
  if (state === "ANONYMOUS") {
    box.append(h("a", { href: `/login?next=${encodeURIComponent(location.pathname)}` }, "Log in to claim"));
  } else if (state === "CAN_CLAIM") {
    box.append(
      h("button", {
        type: "button",
        onclick: async () => {
          const result = await mutate(message, CLAIM, { id: author.id }, "claimAuthor");
          if (result) message.textContent = `Claim sent: ${result.claim.status}. An administrator reviews it.`;
        },
      }, "Claim this profile"),
    );
  } else {
    box.append(h("p", {}, CLAIM_TEXT[state]));
  }
  box.append(message);
  return box;
}

function collaborationControl(author) {
  const box = h("section", { class: "collaboration", "aria-label": "Direct collaboration" }, h("h2", {}, "Direct collaboration"));
  if (author.openToCollaborate) box.append(h("p", { class: "open" }, "Open to collaborate"));
  if (!author.viewerCanInvite) {
    box.append(h("p", { class: "invite-refusal" }, author.viewerInviteRefusal?.message ?? "Invitations are not available."));
    return box;
  }
  const message = h("p", { class: "message", role: "status" });
  const text = h("textarea", { id: "invite-message", maxlength: 2000, rows: 3 });
  box.append(
    h("form", {
      onsubmit: async (event) => {
        event.preventDefault();
        const result = await mutate(message, INVITE, { id: author.id, message: text.value }, "sendInvitation");
        if (result) message.textContent = "Invitation sent.";
      },
    }, h("label", { for: "invite-message" }, "Invite to collaborate"), text, h("button", { type: "submit" }, "Send invitation")),
    message,
  );
  return box;
}

function editControl(author, bio) {
  if (!author.viewerIsClaimant) return null;
  const message = h("p", { class: "message", role: "status" });
  const input = h("input", { id: "bio", value: author.description ?? "", maxlength: 500 });
  const open = h("input", { id: "open", type: "checkbox", checked: author.openToCollaborate });
  return h("form", {
    class: "edit-profile",
    onsubmit: async (event) => {
      event.preventDefault();
      const result = await mutate(message, UPDATE, { id: author.id, description: input.value, open: open.checked }, "updateAuthorProfile");
      if (result) {
        bio.textContent = result.author.description ?? "";
        message.textContent = "Saved.";
      }
    },
  }, h("label", { for: "bio" }, "Bio line"), input, h("label", { for: "open" }, open, " Open to collaborate"),
  h("button", { type: "submit" }, "Save profile"), message);
}

// The author's ORCID and OpenAlex ids: a real one links to its registry page; a generated one (the
// demo's, from a range the registry never issues: isSynthetic) is shown as text, as it names nobody.
function externalIds(ids) {
  if (!ids.length) return null;
  return h(
    "p",
    { class: "external-ids", "aria-label": "Identifiers" },
    ids.flatMap((id, i) => [
      i ? " · " : "",
      id.isSynthetic
        ? h("span", { class: "external-id synthetic", title: "A generated id of the demo data: it has no page at the registry" },
          `${id.scheme} ${id.value} (demo id)`)
        : h("a", { class: "external-id", href: id.url, rel: "noopener noreferrer" }, `${id.scheme} ${id.value}`),
    ]),
  );
}

function workItem(work) {
  const venue = work.venue?.displayName;
  return h(
    "li",
    { class: "work" },
    h("h3", {}, work.title),
    h("p", { class: "work-meta" }, [work.type.toLowerCase(), work.publicationYear, venue].filter(Boolean).join(" · ")),
    work.abstract ? h("p", { class: "abstract" }, work.abstract) : h("p", { class: "abstract missing" }, "No abstract."),
  );
}

export async function profilePage(root, id) {
  mount(root, h("p", { role: "status" }, "Loading the profile…"));
  let data;
  try {
    data = await gql(AUTHOR_PAGE, { id }, { strict: true });
  } catch (error) {
    mount(root, h("h1", {}, "This profile cannot be shown"), errorBox(error), link("/", "Search for an author"));
    return;
  }
  const author = data.author;
  if (!author) {
    mount(root, h("h1", {}, "No such author"), h("p", {}, "No author has this id; search by name instead."),
      link("/", "Search for an author"));
    return;
  }
  document.title = `${author.displayName} · peergraph`;
  const page = h("article", { class: "profile" });
  const bio = h("p", { class: "bio" }, author.description ?? "");
  const affiliation = author.affiliation.status === "KNOWN"
    ? `Affiliation: ${author.affiliation.institution?.displayName ?? "known"}`
    : "Affiliation not imported";
  const panel = graphPanel({ document: SLICE_UPDATES, centers: [author.id], input: { radius: 1, maxNodes: 40 } });
  const followButton = followControl(author, page);
  page.append(...[
    h("header", {},
      h("h1", {}, author.displayName),
      bio,
      h("p", { class: "role" }, "Researcher"),
      h("p", { class: "affiliation", dataset: { status: author.affiliation.status } }, affiliation),
      h("p", { class: "open-to-collaborate" }, author.openToCollaborate ? "Open to collaborate" : "Not marked open to collaborate"),
      externalIds(author.externalIds),
    ),
    h("div", { class: "summary" },
      h("div", {},
        trustBlock(author.trust),
        countsBlock(author, followButton),
        claimControl(author),
        editControl(author, bio),
        collaborationControl(author)),
      h("div", {},
        h("section", { "aria-label": "Topics" }, h("h2", {}, "Topics"),
          h("ul", { class: "topics" }, author.topics.map((t) => h("li", {}, `${t.topic.displayName} (${plural(t.workCount, "work")})`)))),
        h("section", { "aria-label": "Close collaborators" }, h("h2", {}, "Close collaborators"),
          h("ul", { class: "collaborators" }, author.collaborators.edges.map((e) =>
            h("li", {}, link(`/authors/${encodeURIComponent(e.node.author.id)}`, e.node.author.displayName), ` (${plural(e.node.sharedWorks, "shared work")})`))),
          moreCollaborators(author)))),
    panel,
    h("p", {}, link(`/explore?seed=${encodeURIComponent(author.id)}`, "Open full explorer")),
    h("section", { "aria-label": "Published works" }, h("h2", {}, `Published works (${author.works.totalCount})`),
      h("ol", { class: "works" }, author.works.edges.map((e) => workItem(e.node)))),
  ].filter(Boolean));
  mount(root, page);
  return panel;
}

// The list holds the strongest ten (as many as the trust score counts); say how many more there are
// rather than let the list and the count disagree.
function moreCollaborators(author) {
  const hidden = author.collaborators.totalCount - author.collaborators.edges.length;
  return hidden > 0
    ? h("p", { class: "collaborators-more" }, link(`/explore?seed=${encodeURIComponent(author.id)}`, `and ${hidden} more`))
    : null;
}
