import { describe, expect, it } from "vitest";
import { fairOrder } from "../../tools/src/local/fair-queues.ts";

/** Messages `<group><n>` in queue order; a name without a group letter has no group. */
const queued = (...ids: string[]) =>
  ids.map((id) => ({ messageId: id, messageGroupId: /^[a-z]/.test(id) ? id[0] : undefined }));
const inFlight = (...groups: string[]) =>
  new Map(groups.map((g, i) => [`r${i}`, { message: { messageId: `f${i}`, messageGroupId: g } }]));

describe("the local stack's fair order", () => {
  it("serves the tenant with the fewest messages in flight first, counting its own picks", () => {
    // Given tenant a with 3 in flight and 4 waiting ahead of tenant b's 2
    const queue = {
      messages: queued("a1", "a2", "a3", "a4", "b1", "b2"),
      inflightMessages: inFlight("a", "a", "a"),
    };
    // When 4 are received: b's two come first, then a's oldest (a's load 3 against b's 2)
    expect(fairOrder(queue, 4).map((m) => m.messageId)).toEqual(["b1", "b2", "a1", "a2", "a3", "a4"]);
  });

  it("takes tenants in turn when nothing is in flight, a message without a group a tenant of its own", () => {
    const queue = { messages: queued("a1", "a2", "1", "b1"), inflightMessages: inFlight() };
    expect(fairOrder(queue, 4).map((m) => m.messageId)).toEqual(["a1", "1", "b1", "a2"]);
  });
});
