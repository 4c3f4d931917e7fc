import type { AddressInfo, Server } from 'node:net';
/**
 * Local port for a listener (ARCHITECTURE.md): listener port P binds to P when P ≥ 1024, else 8000 + P
 * (80 → 8080, 443 → 8443). `0` means "any free port" (tests always use 0); an offset shifts every
 * mapped port (several simulators side by side).
 */
export type PortMode = 0 | 'aws' | { readonly offset: number };

/** The highest TCP port number. */
export const MAX_PORT = 65535;

/** Ports below this are privileged and are shifted by `PRIVILEGED_PORT_SHIFT`. */
export const FIRST_UNPRIVILEGED_PORT = 1024;
export const PRIVILEGED_PORT_SHIFT = 8000;

export function localPort(listenerPort: number, mode: PortMode = 'aws'): number {
  if (mode === 0) return 0;
  const mapped = listenerPort >= FIRST_UNPRIVILEGED_PORT ? listenerPort : PRIVILEGED_PORT_SHIFT + listenerPort;
  return typeof mode === 'object' ? mapped + mode.offset : mapped;
}

/**
 * Bind `server` to host:port (0 = a free port) and resolve with the bound port. A bind failure
 * rejects; later server errors go to `onError`, so one bad client never brings the listener down.
 */
export async function listen(
  server: Server,
  port: number,
  host: string,
  onError: (err: Error) => void,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  return (server.address() as AddressInfo).port;
}
