import { connect } from "node:net";

/**
 * Writes a request line of its own (one no HTTP client would send, such as `GET http://[`) to a
 * server on loopback, and returns the status line it answered with ("" if it closed without one).
 */
export function rawStatusLine(port: number, requestLine: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () =>
      socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on("close", () => resolve(answer.split("\r\n")[0] ?? ""));
    socket.on("error", reject);
  });
}
