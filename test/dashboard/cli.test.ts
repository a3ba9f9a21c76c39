import { describe, expect, inject, it } from "vitest";
import { runCli, startCli } from "../cli/run-cli.ts";
import { call } from "./dashboard-client.ts";

interface Ready {
  type: string;
  url: string;
  origin: string;
  token: string;
}

describe("sqs-jobs dashboard", () => {
  it("prints its URL with the token, serves until SIGINT, and says a busy port is busy", async () => {
    // Given the dashboard started on a free port against the run's endpoint
    const endpoint = inject("sqsEndpoint");
    const cli = startCli([
      "dashboard",
      "--port",
      "0",
      "--endpoint",
      endpoint,
      "--prefix",
      "dash-cli-",
      "--json",
    ]);
    let stopped = false;
    try {
      const ready = (await cli.firstJson) as Ready;

      // Then it printed a loopback URL carrying the token in its fragment, and it answers
      expect(ready.type).toBe("ready");
      expect(ready.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(ready.url).toBe(`${ready.origin}#token=${ready.token}`);
      const info = await call(ready.origin, "GET", "api/info");
      expect(info.json).toMatchObject({ target: { endpoint, region: "us-east-1" }, readOnly: false });
      expect((await call(ready.origin, "GET", "api/queues")).json.queues).toEqual([]);

      // When a second one asks for the same port
      const port = new URL(ready.origin).port;
      const busy = await runCli(["dashboard", "--port", port], { timeoutMs: 15_000 });

      // Then it exits 1 saying so
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(`error: port ${port} on 127.0.0.1 is already in use`);

      // And the first stops on SIGINT with exit code 0
      const end = await cli.stop("SIGINT");
      stopped = true;
      expect(end.code).toBe(0);
    } finally {
      if (!stopped) await cli.stop("SIGKILL");
    }
  }, 30_000);

  it("documents its options and the token in --help, within 80 columns", async () => {
    const run = await runCli(["dashboard", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--read-only");
    expect(run.stdout).toContain("token");
    expect(Math.max(...run.stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});
