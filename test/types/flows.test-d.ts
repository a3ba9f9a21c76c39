import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type Chain,
  chain,
  child,
  defineJob,
  type FlowChild,
  type FlowJob,
  handle,
} from "../../src/index.ts";

const fetchPage = defineJob({
  name: "fetch-page",
  schema: z.object({ url: z.string() }),
  result: z.object({ html: z.string() }),
});
const parsePage = defineJob({
  name: "parse-page",
  schema: z.object({ html: z.string() }),
  result: z.object({ words: z.number() }),
});
const storePage = defineJob({
  name: "store-page",
  schema: z.object({ words: z.number() }),
  result: z.object({ stored: z.boolean() }),
});

describe("chains", () => {
  it("type each step's payload as the result of the step before", () => {
    const three = chain(fetchPage, { url: "a" }).andThen(parsePage).andThen(storePage);
    expectTypeOf(three).toEqualTypeOf<Chain<typeof storePage>>();
    // parse-page's payload is not store-page's result: a step out of order does not compile.
    // @ts-expect-error the result { html } is not { words }
    chain(fetchPage, { url: "a" }).andThen(storePage);
    // @ts-expect-error the first step's payload is checked too
    chain(fetchPage, { url: 1 });
  });
});

describe("flows", () => {
  it("type a child's payload by its job, and a continuation's children by theirs", () => {
    expectTypeOf(child(fetchPage, { url: "a" }, { key: "a" })).toEqualTypeOf<FlowJob<typeof fetchPage>>();
    // @ts-expect-error a payload of another job
    child(fetchPage, { html: "a" });
    handle(storePage, async (_payload, ctx) => {
      for await (const page of ctx.childResults(parsePage)) {
        expectTypeOf(page).toEqualTypeOf<readonly FlowChild<{ words: number }>[]>();
        for (const c of page) if (c.status === "succeeded") expectTypeOf(c.result.words).toBeNumber();
      }
      return { stored: true };
    });
  });
});
