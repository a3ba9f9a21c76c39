import type { IncomingMessage } from "node:http";

/** A request's whole body, as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString("utf8");
}

/** A body longer than the reader was told to take (see {@link readBytes}). */
export class BodyTooLargeError extends RangeError {
  override readonly name = "BodyTooLargeError";
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`the request body is over ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/**
 * The request's body as it came, byte for byte (to pass on unchanged).
 *
 * @throws {BodyTooLargeError} the body grew past `maxBytes` (the rest is not kept)
 */
export function readBytes(
  req: IncomingMessage,
  options: { readonly maxBytes?: number } = {},
): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.resume(); // drain the rest unread, so the answer can still be written
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
