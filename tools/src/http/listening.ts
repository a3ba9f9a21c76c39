import type { Server } from "node:http";
import { ConfigError } from "sqs-jobs/internal/core/errors";

/**
 * Starts `server` on `host:port`; a port in use or an address this machine lacks is a
 * {@link ConfigError} that says what to do, not a bare errno.
 *
 * `inUse` follows "is already in use": who may hold the port and the way out.
 * @throws {ConfigError} the port is in use, or `host` is no address of this machine
 */
export function listen(
  server: Server,
  options: { readonly host: string; readonly port: number; readonly inUse: string },
): Promise<void> {
  const { host, port } = options;
  return new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new ConfigError(`port ${port} on ${host} is already in use ${options.inUse}`)
          : error.code === "EADDRNOTAVAIL"
            ? new ConfigError(`cannot listen on ${host}: no such address on this machine; check --host`)
            : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
}

/** Stops `server` at once: keep-alive connections are closed rather than waited for. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}
