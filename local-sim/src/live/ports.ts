/**
 * Local port for a listener (ARCHITECTURE.md): listener port P binds to P when P ≥ 1024, else 8000 + P
 * (80 → 8080, 443 → 8443). `0` means "any free port" (tests always use 0); an offset shifts every
 * mapped port (several simulators side by side).
 */
export type PortMode = 0 | 'aws' | { readonly offset: number };

/** Ports below this are privileged and are shifted by `PRIVILEGED_PORT_SHIFT`. */
export const FIRST_UNPRIVILEGED_PORT = 1024;
export const PRIVILEGED_PORT_SHIFT = 8000;

export function localPort(listenerPort: number, mode: PortMode = 'aws'): number {
  if (mode === 0) return 0;
  const mapped = listenerPort >= FIRST_UNPRIVILEGED_PORT ? listenerPort : PRIVILEGED_PORT_SHIFT + listenerPort;
  return typeof mode === 'object' ? mapped + mode.offset : mapped;
}
