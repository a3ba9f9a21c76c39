import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  readonly method: string;
  readonly url: string;
  /** The `X-Amz-Target` header of JSON-protocol calls (SQS), e.g. `AmazonSQS.StartMessageMoveTask`. */
  readonly target: string | undefined;
  readonly body: unknown;
}

export type FakeReply = { status: number; body: unknown; headers?: Record<string, string> };

/**
 * A loopback HTTP server that answers AWS API calls from a test's handler: enough to exercise the
 * code paths that fauxqs cannot (StartMessageMoveTask) or that need a Lambda API.
 */
export async function startFakeAws(
  handle: (request: FakeRequest) => FakeReply,
): Promise<{ endpoint: string; requests: FakeRequest[]; close(): Promise<void> }> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on("end", () => {
      const request: FakeRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        target: req.headers["x-amz-target"] as string | undefined,
        body: raw === "" ? undefined : JSON.parse(raw),
      };
      requests.push(request);
      const reply = handle(request);
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
