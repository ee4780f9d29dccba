// The GraphQL client of the reference web client: POST /graphql with the signed-in user's
// Bearer token, and subscriptions over graphql-transport-ws (the graphql-ws library).
import { createClient } from "graphql-ws";

const TOKEN_KEY = "peergraph.token";

export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
  wsClient?.dispose();
  wsClient = null;
}

function authHeaders() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/**
 * Run an operation; resolves to `data`, rejects with an ApiError carrying the first error's code
 * when there is no data, or when `strict` and any field failed (e.g. INVALID_ID for a bad id).
 */
export async function gql(query, variables = {}, { strict = false } = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        ...authHeaders(),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The API does not answer: check your connection and retry.", "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The API answered ${response.status} without JSON.`, "BAD_RESPONSE");
  }
  if (response.status === 401) {
    setToken(null);
  }
  if (body.errors?.length && (!body.data || strict)) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code ?? "ERROR");
  }
  return body.data;
}

let wsClient = null;

function ws() {
  if (!wsClient) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    wsClient = createClient({
      url: `${scheme}//${location.host}/graphql`,
      connectionParams: () => authHeaders(),
      lazy: true,
      retryAttempts: 2,
    });
  }
  return wsClient;
}

/** Subscribe; `onNext(data)` for every result, `onError(error)` once. Returns an unsubscribe. */
export function subscribe(query, variables, onNext, onError) {
  return ws().subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) {
          const first = result.errors[0];
          onError(new ApiError(first.message, first.extensions?.code ?? "ERROR"));
        } else onNext(result.data);
      },
      error: (error) =>
        onError(
          error instanceof Error
            ? error
            : new ApiError("The live connection to the API closed; reload to retry.", "WEBSOCKET"),
        ),
      complete: () => {},
    },
  );
}
