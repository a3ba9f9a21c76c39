import type { SendRoute } from "./send-pipeline.ts";

/**
 * Each JobClient's send route, for the flow code that sends through a client the user built
 * (children on the client's queue) without a public method that would skip the client's API.
 */
const routes = new WeakMap<object, SendRoute>();

export function registerRoute(client: object, route: SendRoute): void {
  routes.set(client, route);
}

export function routeOf(client: object): SendRoute {
  const route = routes.get(client);
  if (route === undefined) throw new TypeError("not a JobClient");
  return route;
}
