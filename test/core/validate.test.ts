import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import { validate, validateNow } from "../../src/core/schema.ts";
import { defineJob, JobClient, ValidationError } from "../../src/index.ts";
import { createTestQueue, queueDepth, testSqs } from "../helpers/sqs.ts";

/** Payload values that must never reach an error message, an issue, a log line or a DLQ attribute. */
const SECRET_EMAIL = "alice.secret@example";
const SECRET_TEXT = "password=hunter2";
const SECRETS = [SECRET_EMAIL, "alice.secret", SECRET_TEXT, "hunter2"];

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

const payload = { email: SECRET_EMAIL, role: SECRET_TEXT };

/** The same shape in each library: an email check and an enumeration, both failing on `payload`. */
const schemas = {
  zod: z.object({ email: z.email(), role: z.enum(["admin", "user"]) }),
  "zod/mini": zm.object({ email: zm.email(), role: zm.enum(["admin", "user"]) }),
  valibot: v.object({ email: v.pipe(v.string(), v.email()), role: v.picklist(["admin", "user"]) }),
};

const expectedKinds = {
  zod: ["invalid_format", "invalid_value"],
  "zod/mini": ["invalid_format", "invalid_value"],
  valibot: ["email", "picklist"],
};

/** Schemas that throw on this input instead of reporting an issue. */
const throwing = {
  zod: z.string().transform((s) => JSON.parse(s) as unknown),
  "zod/mini": zm.pipe(
    zm.string(),
    zm.transform((s: string) => JSON.parse(s) as unknown),
  ),
  valibot: v.pipe(
    v.string(),
    v.transform((s) => JSON.parse(s) as unknown),
  ),
  // An async schema that rejects. (zod's async refine is not used here: zod first runs it
  // synchronously and leaves that promise's rejection unhandled, which no caller can catch.)
  "valibot async check": v.pipeAsync(
    v.string(),
    v.checkAsync(async (s) => {
      throw new TypeError(`rejected ${s}`);
    }),
  ),
  "zod superRefine": z.string().superRefine((s) => {
    throw new RangeError(`bad ${s}`);
  }),
};

describe.each(Object.keys(schemas) as (keyof typeof schemas)[])("validate with %s", (library) => {
  const schema = schemas[library];

  it("records each issue as path + kind, without the library's message (it may quote the payload)", async () => {
    const result = await validate(schema, payload);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual([["email"], ["role"]]);
    expect(result.issues.map((i) => i.kind)).toEqual(expectedKinds[library]);
    expectNoSecret(JSON.stringify(result.issues));
  });

  it("keeps the library's messages when the job opts in", async () => {
    const job = defineJob({ name: "opted-in", schema, includeIssueMessages: true });
    expect(job.includeIssueMessages).toBe(true);
    const result = await validate(job.schema, payload, job);
    if (result.ok) throw new Error("expected issues");
    const library = await schema["~standard"].validate(payload);
    expect(result.issues.map((i) => i.message)).toEqual(library.issues?.map((i) => i.message));
  });

  it("gives a ValidationError whose message and issues carry no payload value", async () => {
    const result = await validate(schema, payload);
    if (result.ok) throw new Error("expected issues");
    const error = new ValidationError("signup", result.issues);
    expect(error.message).toMatch(/email: .*role: /);
    expectNoSecret(error.message);
    expectNoSecret(JSON.stringify(error.issues));
  });
});

describe.each(Object.keys(throwing) as (keyof typeof throwing)[])(
  "validate with a %s schema that throws",
  (name) => {
    it("returns issues saying the schema threw, with the error's class but not its message", async () => {
      let returned: unknown;
      expect(() => {
        returned = validate(throwing[name], SECRET_TEXT);
      }).not.toThrow();
      const result = await returned;
      expect(result).toEqual({
        ok: false,
        issues: [
          { path: [], kind: "schema_threw", message: expect.stringMatching(/^schema threw [A-Za-z]*Error$/) },
        ],
      });
      expectNoSecret(JSON.stringify(result));
    });
  },
);

describe("validateNow (for a CDK synth, which cannot wait)", () => {
  it("answers at once when the schema is synchronous, also when it throws", () => {
    expect(validateNow(schemas.valibot, payload)).toMatchObject({ ok: false });
    expect(validateNow(throwing.valibot, SECRET_TEXT)).toMatchObject({
      ok: false,
      issues: [{ kind: "schema_threw" }],
    });
    expect(validateNow(schemas.zod, { email: "a@example.com", role: "user" })).toEqual({
      ok: true,
      value: { email: "a@example.com", role: "user" },
    });
  });

  it("answers undefined for an asynchronous schema, and its rejection goes unhandled nowhere", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      expect(validateNow(throwing["valibot async check"], SECRET_TEXT)).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});

describe("validate", () => {
  it("describes thrown values that are not Errors without touching them", async () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const values: unknown[] = [null, undefined, "a string", 42, Object.create(null), revoked.proxy];
    for (const value of values) {
      const schema = {
        "~standard": {
          version: 1,
          vendor: "test",
          validate: () => {
            throw value;
          },
        },
      } as const;
      const result = await validate(schema, 1);
      expect(result).toMatchObject({ ok: false, issues: [{ kind: "schema_threw" }] });
    }
  });

  it("turns a revoked Proxy returned as the result into an issue instead of throwing", async () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const schema = { "~standard": { version: 1, vendor: "test", validate: () => revoked.proxy } } as never;
    expect(await validate(schema, 1)).toMatchObject({ ok: false, issues: [{ kind: "schema_threw" }] });
  });

  it("turns a malformed library result into an issue instead of throwing", async () => {
    const schema = {
      "~standard": { version: 1, vendor: "test", validate: () => ({ issues: [null, { message: 1 }] }) },
    } as never;
    expect(await validate(schema, 1)).toMatchObject({ ok: false });
  });
});

describe("JobClient refusing an invalid payload", () => {
  const sqs = testSqs();

  it.each(Object.keys(schemas) as (keyof typeof schemas)[])(
    "with %s: sends nothing and puts no payload value in the ValidationError",
    async (library) => {
      const queueUrl = await createTestQueue(sqs, "validate-privacy");
      const jobs = new JobClient({ queueUrl, sqs });
      const job = defineJob({ name: "signup", schema: schemas[library] });
      const attempts = [
        () => jobs.send(job, payload as never),
        () => jobs.sendBatch(job, [payload as never]),
      ];
      for (const attempt of attempts) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expectNoSecret((error as ValidationError).message);
        expectNoSecret(JSON.stringify((error as ValidationError).issues));
      }
      const thrown = defineJob({ name: "parse", schema: throwing.zod });
      const error = await jobs.send(thrown, SECRET_TEXT).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toContain("schema threw SyntaxError");
      expectNoSecret((error as ValidationError).message);
      expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    },
  );

  it("quotes the library's messages for a job that opted in", async () => {
    const jobs = new JobClient({ queueUrl: await createTestQueue(sqs, "validate-opt-in"), sqs });
    const job = defineJob({ name: "signup", schema: schemas.valibot, includeIssueMessages: true });
    const error = await jobs.send(job, payload as never).catch((e: unknown) => e);
    expect((error as ValidationError).message).toContain(`Received "${SECRET_EMAIL}"`);
  });
});

describe("validate's default message", () => {
  it("names the expected type (the schema's, not the payload's) beside the kind", async () => {
    const result = await validate(z.object({ qty: z.number() }), { qty: SECRET_TEXT });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: ["qty"], kind: "invalid_type", message: "invalid_type (expected number)" }],
    });
  });
});
