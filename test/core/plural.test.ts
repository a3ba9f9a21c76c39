import { expect, it } from "vitest";
import { plural } from "../../src/core/plural.ts";

it("says a count of one in the singular and any other in the plural", () => {
  expect(plural(1, "message")).toBe("1 message");
  expect(plural(0, "message")).toBe("0 messages");
  expect(plural(2, "entry", "entries")).toBe("2 entries");
});
