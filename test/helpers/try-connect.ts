import { connect } from "node:net";

/** Opens a TCP connection to `host:port`: resolves with the socket error's code, or "connected". */
export function tryConnect(hostPort: string): Promise<string> {
  const [host, port] = hostPort.split(":");
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}
