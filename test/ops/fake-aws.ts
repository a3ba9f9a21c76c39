import { createHash } from "node:crypto";
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

const md5 = (text: string): string => createHash("md5").update(text).digest("hex");

/** A message as ReceiveMessage returns it, with the MD5 the SDK checks on every receive. */
export function fakeMessage(
  id: string,
  body: string,
  extra: { receiptHandle?: string; groupId?: string; job?: string } = {},
) {
  return {
    MessageId: id,
    ReceiptHandle: extra.receiptHandle ?? `rh-${id}`,
    Body: body,
    MD5OfBody: md5(body),
    ...(extra.groupId === undefined ? {} : { Attributes: { MessageGroupId: extra.groupId } }),
    ...(extra.job === undefined
      ? {}
      : { MessageAttributes: { "sqs-jobs.job": { DataType: "String", StringValue: extra.job } } }),
  };
}

type FakeMessage = ReturnType<typeof fakeMessage>;
interface SentEntry {
  readonly Id: string;
  readonly MessageBody: string;
}

/**
 * An SQS API for the paths fauxqs cannot take (a receive that returns what AWS may but fauxqs
 * never does, a DLQ whose copies come straight back): each ReceiveMessage returns what `receive`
 * gives, GetQueueAttributes `attributes`, and every entry of SendMessageBatch, DeleteMessageBatch
 * and ChangeMessageVisibilityBatch succeeds. Any other action is answered 400.
 */
export function startFakeSqs(script: {
  readonly attributes: Readonly<Record<string, string>>;
  readonly receive: () => readonly FakeMessage[];
  /** The message id a sent entry gets. @default `new-<Id>` */
  readonly sentId?: (entry: SentEntry) => string;
  readonly onSend?: (entries: readonly SentEntry[]) => void;
}): ReturnType<typeof startFakeAws> {
  return startFakeAws((req) => {
    const entries = (req.body as { Entries?: SentEntry[] } | undefined)?.Entries ?? [];
    switch (req.target) {
      case "AmazonSQS.GetQueueAttributes":
        return { status: 200, body: { Attributes: script.attributes } };
      case "AmazonSQS.ReceiveMessage":
        return { status: 200, body: { Messages: script.receive() } };
      case "AmazonSQS.SendMessageBatch": {
        const successful = entries.map((e) => ({
          Id: e.Id,
          MessageId: script.sentId?.(e) ?? `new-${e.Id}`,
          MD5OfMessageBody: md5(e.MessageBody),
        }));
        script.onSend?.(entries);
        return { status: 200, body: { Successful: successful } };
      }
      case "AmazonSQS.DeleteMessageBatch":
      case "AmazonSQS.ChangeMessageVisibilityBatch":
        return { status: 200, body: { Successful: entries.map((e) => ({ Id: e.Id })) } };
      default:
        return { status: 400, body: { __type: "com.amazonaws.sqs#InvalidAction", message: "unexpected" } };
    }
  });
}
