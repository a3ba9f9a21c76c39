import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, startDashboard } from "../../tools/src/dashboard/server.ts";
import { queueWithDlq, seedDeadLetter, TIMEOUT } from "../cli/dlq-fixtures.ts";
import { rawStatusLine } from "../helpers/raw-request.ts";
import { queueDepth, testSqs } from "../helpers/sqs.ts";
import { call } from "./dashboard-client.ts";

const sqs = testSqs();
const uiDir = resolve(import.meta.dirname, "fixtures/ui");
let dash: RunningDashboard;
let readOnly: RunningDashboard;

beforeAll(async () => {
  const common = {
    sqs,
    target: { endpoint: null, region: "us-east-1" },
    version: "0.0.0-test",
    port: 0,
    uiDir,
  };
  dash = await startDashboard({ ...common, prefix: "dash-safety-none" });
  readOnly = await startDashboard({ ...common, readOnly: true, prefix: "dash-safety-none" });
});

afterAll(async () => {
  await dash?.close();
  await readOnly?.close();
  sqs.destroy();
});

describe("the dashboard's safety", () => {
  it("listens on loopback and prints a URL whose token is in the fragment", () => {
    expect(dash.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(dash.url).toBe(`${dash.origin}#token=${dash.token}`);
    expect(dash.token).toMatch(/^[\w-]{32}$/);
    expect(readOnly.token).not.toBe(dash.token);
  });

  it("refuses a Host that is not this machine (DNS rebinding) with 403", async () => {
    const answer = await call(dash.origin, "GET", "api/info", { headers: { host: "evil.example:80" } });
    expect(answer.status).toBe(403);
    expect(answer.text).toMatch(/Host "evil.example:80" is not this machine/);
    expect((await call(dash.origin, "GET", "api/info", { headers: { host: "localhost" } })).status).toBe(200);
  });

  it("refuses a browser request from any origin but its own, even another port of this machine", async () => {
    const own = new URL(dash.origin).host;
    const otherPort = await call(dash.origin, "GET", "api/queues", {
      headers: { origin: "http://127.0.0.1:1" },
    });
    const elsewhere = await call(dash.origin, "POST", "api/queues/x/pause", {
      headers: { origin: "https://evil.example" },
      token: dash.token,
    });
    const sameSite = await call(dash.origin, "GET", "api/info", {
      headers: { "sec-fetch-site": "same-site" },
    });
    const ownOrigin = await call(dash.origin, "GET", "api/info", { headers: { origin: `http://${own}` } });
    expect([otherPort.status, elsewhere.status, sameSite.status]).toEqual([403, 403, 403]);
    expect(otherPort.text).toContain("only from its own pages");
    expect(ownOrigin.status).toBe(200);
  });

  it("answers actions without the token, or with a wrong one, with 401 TOKEN_REQUIRED and does nothing", async () => {
    // Given a DLQ with a dead job
    const q = await queueWithDlq(sqs, "dash-token");
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);

    // When a purge is sent without the token, then with a wrong one
    const none = await call(dash.origin, "POST", `api/queues/${q.name}/dlq/purge`, {
      body: { confirm: q.dlqName },
    });
    const wrong = await call(dash.origin, "POST", `api/queues/${q.name}/dlq/purge`, {
      body: { confirm: q.dlqName },
      // One character off (a token that ends in "x" would stay right with "x").
      token: `${dash.token.slice(0, -1)}${dash.token.endsWith("x") ? "y" : "x"}`,
    });

    // Then both are refused and the job is still there; the right token purges
    expect([none.status, none.json.error.code]).toEqual([401, "TOKEN_REQUIRED"]);
    expect([wrong.status, wrong.json.error.code]).toEqual([401, "TOKEN_REQUIRED"]);
    expect((await queueDepth(sqs, q.dlqUrl)).visible).toBe(1);
    const right = await call(dash.origin, "POST", `api/queues/${q.name}/dlq/purge`, {
      body: { confirm: q.dlqName },
      token: dash.token,
    });
    expect(right.status).toBe(200);
  });

  it("read-only: says so in api/info and refuses every action and payload with 403 READ_ONLY, token or not", async () => {
    const q = await queueWithDlq(sqs, "dash-readonly");
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    const info = await call(readOnly.origin, "GET", "api/info");
    expect(info.json).toEqual({
      version: "0.0.0-test",
      target: { endpoint: null, region: "us-east-1" },
      readOnly: true,
      ledger: null,
      schedules: false,
    });
    const t = { token: readOnly.token };
    const answers = await Promise.all([
      call(readOnly.origin, "POST", `api/queues/${q.name}/dlq/purge`, { ...t, body: { confirm: q.dlqName } }),
      call(readOnly.origin, "POST", `api/queues/${q.name}/dlq/redrive`, { ...t, body: {} }),
      call(readOnly.origin, "POST", `api/queues/${q.name}/pause`, t),
      call(readOnly.origin, "POST", `api/queues/${q.name}/resume`, t),
    ]);
    expect(answers.map((a) => [a.status, a.json.error.code])).toEqual(Array(4).fill([403, "READ_ONLY"]));
    const listed = await call(readOnly.origin, "GET", `api/queues/${q.name}/dlq`);
    const id = listed.json.records[0].messageId;
    const payload = await call(readOnly.origin, "GET", `api/queues/${q.name}/dlq/${id}?payload=1`, t);
    expect([payload.status, payload.json.error.code]).toEqual([403, "READ_ONLY"]);
    expect((await queueDepth(sqs, q.dlqUrl)).visible).toBe(1);
  });

  it("serves the page with a CSP that allows its import map by hash, and the vendor modules", async () => {
    // When the page and its assets are asked for
    const page = await call(dash.origin, "GET", "");
    const app = await call(dash.origin, "GET", "assets/app.js");
    const css = await call(dash.origin, "GET", "assets/style.css");
    const preact = await call(dash.origin, "GET", "assets/vendor/preact/dist/preact.mjs");
    const hooks = await call(dash.origin, "GET", "assets/vendor/preact/hooks/dist/hooks.mjs");
    const htm = await call(dash.origin, "GET", "assets/vendor/htm/dist/htm.mjs");
    const htmPreact = await call(dash.origin, "GET", "assets/vendor/htm/preact/index.mjs");

    // Then each has its type, nosniff, and the page's policy allows exactly its import map
    const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page.text)?.[1] ?? "";
    const hash = createHash("sha256").update(map).digest("base64");
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    for (const answer of [page, app, css, preact, hooks, htm, htmPreact]) {
      expect(answer.status).toBe(200);
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    }
    expect(app.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(preact.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(htmPreact.text).toContain('from"preact"');
  });

  it("serves nothing else: no path out of the page's directory, no other package file, no unknown type", async () => {
    const paths = [
      "assets/../../../package.json",
      "assets/%2e%2e/%2e%2e/package.json",
      "assets/vendor/preact/package.json",
      "assets/vendor/..%2f..%2fpackage.json",
      "assets/vendor/preact/dist/../../../package.json",
      "assets/index.html",
      "assets/app.ts",
      "package.json",
    ];
    for (const path of paths) {
      const answer = await call(dash.origin, "GET", path);
      expect([path, answer.status]).toEqual([path, 404]);
    }
    const api = await call(dash.origin, "GET", "api/nope");
    expect([api.status, api.json.error.code]).toEqual([404, "NOT_FOUND"]);
    const stray = await call(dash.origin, "GET", "api/queues/%E0%A4%A/dlq");
    expect([stray.status, stray.json.error.code]).toEqual([400, "BAD_REQUEST"]);
    const method = await call(dash.origin, "DELETE", "api/queues", { token: dash.token });
    expect([method.status, method.json.error.code]).toEqual([405, "METHOD_NOT_ALLOWED"]);
  });

  it("answers an action body over 1 MiB with 413 BODY_TOO_LARGE, without reading it all", async () => {
    const answer = await call(dash.origin, "POST", "api/queues/x/dlq/purge", {
      token: dash.token,
      body: { confirm: "x".repeat(1_048_577) },
    });
    expect(answer.status).toBe(413);
    expect(answer.json.error).toEqual({
      code: "BODY_TOO_LARGE",
      message: "the request body is over 1048576 bytes",
    });
  });

  it("says clearly that a busy port is busy", async () => {
    const port = Number(new URL(dash.origin).port);
    await expect(
      startDashboard({ sqs, target: { endpoint: null, region: "us-east-1" }, version: "0", port }),
    ).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
  });
});

describe("the dashboard's own server on a request target that is not a URL", () => {
  it("answers GET http://[ with 400 and goes on serving", async () => {
    // Given a client that writes its own request line, with an absolute-form target no URL parser takes
    const { port } = new URL(dash.origin);
    const statusLine = await rawStatusLine(Number(port), "GET http://[ HTTP/1.1");
    // Then it is refused as a bad request
    expect(statusLine).toBe("HTTP/1.1 400 Bad Request");
    // And the dashboard still answers
    const info = await fetch(new URL("api/info", dash.origin));
    expect(info.status).toBe(200);
  });
});
