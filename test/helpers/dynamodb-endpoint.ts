import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * An endpoint that hands every request to `db`, as the dev stack's front server does, a client of
 * it, and how to close both; `onRequest` runs after each request is handed over.
 */
export async function dynamoDbEndpoint(
  db: { handle(req: IncomingMessage, res: ServerResponse): void },
  onRequest: () => void = () => {},
): Promise<{ client: DynamoDBClient; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    db.handle(req, res);
    onRequest();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  return {
    client,
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
