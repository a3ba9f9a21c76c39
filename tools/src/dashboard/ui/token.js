// The token that every action needs. The printed URL carries it in the fragment
// (`#token=...`), which never reaches a server log; it is kept in sessionStorage (this tab only)
// and taken out of the address bar so it does not end up in bookmarks or screenshots.

const STORAGE_KEY = "sqs-jobs-dashboard-token";

/** Moves a `#token=...` fragment into sessionStorage, and returns the token of this tab, if any. */
export function takeToken() {
  const match = /^#token=([^&/]+)/.exec(location.hash);
  if (match?.[1] !== undefined) {
    sessionStorage.setItem(STORAGE_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", `${location.pathname}${location.search}#/queues`);
  }
  return currentToken();
}

/** @returns {string | null} */
export function currentToken() {
  return sessionStorage.getItem(STORAGE_KEY);
}
