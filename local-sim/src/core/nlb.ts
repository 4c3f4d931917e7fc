/**
 * Pure NLB decisions the live shell performs on sockets (docs/aws-behaviour.md §6): the proxy protocol v2
 * header prepended to TCP flows and health-check connections (§6.4, §1.1), the source address a target
 * sees (client IP preservation, §6.4), the ALPN protocols a TLS listener offers (§6.1), and the `Host`
 * header of NLB HTTP/HTTPS health checks (§1.1).
 */
import {
  Command,
  IPv4Address,
  IPv4ProxyAddress,
  IPv6Address,
  IPv6ProxyAddress,
  TransportProtocol,
  UnspecProxyAddress,
  V2ProxyProtocol,
} from 'proxy-protocol-js';
import { ALPN_POLICY_PROTOCOLS, type AlpnPolicyName } from '@ha-load-balancer/spec';
import type { ActionModel, ListenerModel, SimModel, TargetGroupModel } from '../model/types';
import { parseIp } from './ip';

/** What client IP preservation depends on (a `TargetGroupModel` has it). */
export interface ClientIpSettings {
  readonly targetType: TargetGroupModel['targetType'];
  readonly protocol?: string;
  readonly attributes: Pick<TargetGroupModel['attributes'], 'preserveClientIp'>;
}

/** One end of a flow. */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** 16 bytes of `ip` (IPv4 as IPv4-mapped IPv6), for a header whose two addresses differ in family. */
function ipv6Bytes(bytes: Uint8Array): number[] {
  return bytes.length === 16 ? [...bytes] : [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...bytes];
}

/**
 * The PPv2 header of a TCP flow (§6.4): signature, version 2 with the PROXY command, TCP over IPv4 (or
 * IPv6 when either address is IPv6), the client as source and the listener as destination, no TLVs.
 * Throws on an address that is not an IP address.
 */
export function proxyHeaderV2(source: Endpoint, destination: Endpoint): Uint8Array {
  const src = parseIp(source.ip);
  const dst = parseIp(destination.ip);
  if (!src || !dst)
    throw new Error(`SIM_PROXY_PROTOCOL_ADDRESS: not an IP address: ${!src ? source.ip : destination.ip}`);
  const address =
    src.length === 4 && dst.length === 4
      ? new IPv4ProxyAddress(
          IPv4Address.createFrom([...src]),
          source.port,
          IPv4Address.createFrom([...dst]),
          destination.port,
        )
      : new IPv6ProxyAddress(
          IPv6Address.createFrom(ipv6Bytes(src)),
          source.port,
          IPv6Address.createFrom(ipv6Bytes(dst)),
          destination.port,
        );
  return new V2ProxyProtocol(Command.PROXY, TransportProtocol.STREAM, address).build();
}

/**
 * The PPv2 header of a health-check connection (§1.1): the LOCAL command, address family and transport
 * unspecified, no address data.
 */
export function proxyHeaderV2Local(): Uint8Array {
  return new V2ProxyProtocol(Command.LOCAL, TransportProtocol.UNSPEC, new UnspecProxyAddress()).build();
}

/**
 * Whether the target sees the client's address as the source (§6.4): `alb` targets always do (the ALB
 * adds it to X-Forwarded-For); `ip` and `instance` UDP / TCP_UDP TGs always do (it cannot be turned off);
 * otherwise `preserve_client_ip.enabled` (the model applies its default: on for `instance`, off for `ip`).
 */
export function preservesClientIp(tg: ClientIpSettings): boolean {
  if (tg.targetType === 'alb') return true;
  if (tg.protocol === 'UDP' || tg.protocol === 'TCP_UDP') return true;
  return tg.attributes.preserveClientIp;
}

/**
 * The source address a target sees for a flow (§6.4): the client's address and port with client IP
 * preservation, else the load-balancer node's own address and the port it opened the connection from.
 */
export function targetSourceAddress(
  tg: ClientIpSettings,
  client: Endpoint,
  node: Endpoint,
): Endpoint & { readonly preserved: boolean } {
  return preservesClientIp(tg) ? { ...client, preserved: true } : { ...node, preserved: false };
}

/**
 * The ALPN protocols a TLS listener offers, in its order of preference (§6.1); undefined for `None` (the
 * default) and for a listener without a policy: no ALPN is negotiated.
 */
export function alpnProtocols(policy: readonly string[] | undefined): readonly string[] | undefined {
  const name = policy?.[0];
  if (name === undefined || !(name in ALPN_POLICY_PROTOCOLS)) return undefined;
  const list = ALPN_POLICY_PROTOCOLS[name as AlpnPolicyName];
  return list.length > 0 ? list : undefined;
}

/** `host:port` with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * §1.1 the `Host` header of an NLB HTTP/HTTPS health check: the address of the load-balancer node that
 * probes and the port of the listener that forwards to the target group (not the target's address, not the
 * health-check port).
 */
export function nlbHealthCheckHost(nodeAddress: string, listenerPort: number): string {
  return hostPort(nodeAddress, listenerPort);
}

function forwardsTo(actions: readonly ActionModel[], targetGroupId: string): boolean {
  return actions.some((a) => a.type === 'forward' && a.targetGroups.some((t) => t.targetGroupId === targetGroupId));
}

/**
 * The listener an NLB health check of `targetGroupId` names in its `Host` header (§1.1): the first listener,
 * in template order, whose default action or a rule forwards to the target group.
 */
export function listenerForwardingTo(model: SimModel, targetGroupId: string): ListenerModel | undefined {
  return model.listeners.find(
    (l) => forwardsTo(l.defaultActions, targetGroupId) || l.rules.some((r) => forwardsTo(r.actions, targetGroupId)),
  );
}
