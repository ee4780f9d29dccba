// The reference web client's entry point: a small router over the paths `peergraph serve` gives
// this page (web/routes.py).
import { token } from "./api.js";
import { h, link, mount } from "./dom.js";
import { explorePage } from "./explore.js";
import { adminPage, homePage, loginPage, mePage } from "./pages.js";
import { profilePage } from "./profile.js";

function nav() {
  return h("nav", { "aria-label": "Main" }, link("/", "Search"), " · ", link("/explore", "Explorer"), " · ",
    token() ? link("/me", "Your account") : link("/login", "Log in or sign up"), " · ", link("/graphql", "GraphQL IDE"));
}

async function route() {
  document.querySelector("#nav").replaceChildren(nav());
  const root = document.querySelector("#app");
  const path = location.pathname;
  const author = path.match(/^\/authors\/([^/]+)$/);
  if (author) return profilePage(root, decodeURIComponent(author[1]));
  if (path === "/explore") return explorePage(root);
  if (path === "/login") return loginPage(root);
  if (path === "/me") return mePage(root);
  if (path === "/admin") return adminPage(root);
  if (path === "/") return homePage(root);
  mount(root, h("h1", {}, "Page not found"), link("/", "Search for an author"));
}

route();
