import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, defineJob, InvalidOptionError } from "../../src/index.ts";
import { prepareMessage } from "../../src/producer/message.ts";

const crawl = defineJob({
  name: "crawl",
  schema: z.object({ account: z.string() }),
  tenant: (payload) => payload.account,
});

async function groupOf(account: string, options = {}, fifo = false): Promise<string | undefined> {
  const prepared = await prepareMessage(crawl, { account }, options, fifo);
  if (!prepared.ok) throw new Error("invalid payload");
  return prepared.message.groupId;
}

describe("a job's tenant", () => {
  it("is the message group id on a standard queue; a groupId option overrides it", async () => {
    expect(await groupOf("acme")).toBe("acme");
    expect(await groupOf("acme", { groupId: "other" })).toBe("other");
  });

  it("is refused when it is no message group id, naming the tenant and its length", async () => {
    await expect(groupOf("")).rejects.toThrow(InvalidOptionError);
    await expect(groupOf("has space")).rejects.toThrow(
      /tenant of job "crawl" must return 1-128 printable ASCII.*9-character string/,
    );
    await expect(groupOf("x".repeat(129))).rejects.toThrow(/129-character/);
  });

  it("is not a FIFO group: on a FIFO queue fifo.groupId is needed", async () => {
    await expect(groupOf("acme", {}, true)).rejects.toThrow(/without a message group/);
  });

  it("must be a function", () => {
    // @ts-expect-error not a function
    expect(() => defineJob({ name: "t", schema: z.object({}), tenant: "acme" })).toThrow(ConfigError);
  });
});
