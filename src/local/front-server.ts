import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "../core/errors.ts";
import { handleLambdaApi, isLambdaApiPath, type LambdaApiTarget } from "./lambda-api.ts";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * One endpoint for every AWS client, as LocalStack gives: Lambda API paths are answered here,
 * everything else (SQS, SNS, S3) is passed to fauxqs unchanged, Host header included, so the
 * queue URLs fauxqs hands out carry this endpoint's address.
 */
export async function startFrontServer(options: {
  host: string;
  port: number;
  backendPort: number;
  lambda: () => LambdaApiTarget;
}): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    if (isLambdaApiPath(url.pathname)) {
      readBody(req)
        .then((body) => handleLambdaApi(options.lambda(), req.method ?? "GET", url, body, req.headers))
        .then(
          (answer) => {
            res.writeHead(answer.status, answer.headers).end(answer.body);
          },
          (error: unknown) => {
            res
              .writeHead(500, { "content-type": "application/json" })
              .end(JSON.stringify({ message: String(error) }));
          },
        );
      return;
    }
    const upstream = request(
      {
        host: "127.0.0.1",
        port: options.backendPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`local SQS emulator unreachable: ${error.message}`);
    });
    // A client that gives up (an aborted long poll) must not leave fauxqs holding a receive that
    // would take messages nobody reads.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new ConfigError(
              `port ${options.port} on ${options.host} is already in use (LocalStack, or another sqs-jobs dev?); stop it or pass --port`,
            )
          : error,
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://${options.host}:${port}` };
}
