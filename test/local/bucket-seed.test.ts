import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBucketSeed } from "../../tools/src/local/bucket-seed.ts";
import { startDevStack } from "../../tools/src/local/dev-stack.ts";

/** `sqs-jobs dev --seed`: files an app needs on its first run, put in its local bucket. */
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sqs-jobs-seed-"));
  const template = { Resources: { Bucket83908E77: { Type: "AWS::S3::Bucket", Properties: {} } } };
  await mkdir(join(dir, "assembly"));
  await writeFile(join(dir, "assembly", "Seeded.template.json"), JSON.stringify(template));
  await writeFile(
    join(dir, "assembly", "manifest.json"),
    JSON.stringify({
      artifacts: {
        Seeded: { type: "aws:cloudformation:stack", properties: { templateFile: "Seeded.template.json" } },
      },
    }),
  );
  await mkdir(join(dir, "seed", "inputs", "deep"), { recursive: true });
  await writeFile(join(dir, "seed", "inputs", "a.txt"), "alpha\n");
  await writeFile(join(dir, "seed", "inputs", "deep", "b c.txt"), "beta\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("seeding local buckets", () => {
  it("puts every file under the directory into the bucket named by its construct id", async () => {
    const stack = await startDevStack({
      app: join(dir, "assembly"),
      cwd: dir,
      port: 0,
      seed: [parseBucketSeed("Bucket=seed")],
    });
    try {
      const [bucket] = stack.buckets;
      expect([...(bucket?.seeded ?? [])].sort()).toEqual(["inputs/a.txt", "inputs/deep/b c.txt"]);
      const object = await fetch(`${stack.endpoint}/${bucket?.name}/inputs/deep/b%20c.txt`);
      expect(await object.text()).toBe("beta\n");
    } finally {
      await stack.stop();
    }
  });

  it("names the app's buckets when --seed names none of them, and stops", async () => {
    await expect(
      startDevStack({
        app: join(dir, "assembly"),
        cwd: dir,
        port: 0,
        seed: [parseBucketSeed("Uploads=seed")],
      }),
    ).rejects.toThrow(
      /--seed names bucket "Uploads", which the app does not have; its buckets: Bucket \(seeded-bucket83908e77\)/,
    );
  });

  it("reads BUCKET=DIR", () => {
    expect(parseBucketSeed("Bucket=handlers/seed")).toEqual({ bucket: "Bucket", dir: "handlers/seed" });
    expect(() => parseBucketSeed("handlers/seed")).toThrow(/--seed takes BUCKET=DIR/);
  });
});
