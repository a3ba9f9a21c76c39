import { request } from "node:http";

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  readonly json: any;
}

/**
 * One HTTP request to a dashboard, with every header under the test's control (fetch would not
 * let a test set Host, and adds its own browser headers).
 */
export function call(
  origin: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const base = new URL(origin);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    // The path goes as given, not normalized by URL: a test may send "..".
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: `${base.pathname}${path}`,
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(options.token === undefined ? {} : { "x-sqs-jobs-token": options.token }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Polls a task until it ends, or fails the test after `timeoutMs`. */
export async function taskEnd(origin: string, id: string, timeoutMs = 15_000) {
  const started = Date.now();
  for (;;) {
    const answer = await call(origin, "GET", `api/tasks/${id}`);
    if (answer.json?.state !== "running") return answer.json;
    if (Date.now() - started > timeoutMs) throw new Error(`task ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
