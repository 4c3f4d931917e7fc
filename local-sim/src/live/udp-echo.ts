/**
 * The UDP side of a demo backend of a UDP or TCP_UDP target group: on the demo backend's port number, it
 * answers every datagram with one JSON line naming the target and echoing what arrived, so that
 * `nc -u` through an NLB UDP listener shows which target a flow reached (docs/aws-behaviour.md §6.2).
 * The demo backend itself keeps answering the TCP health checks on the same port. A simulator
 * convenience, not AWS.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';

export class UdpEcho {
  private constructor(
    readonly name: string,
    readonly socket: dgram.Socket,
  ) {
    socket.on('message', (msg, rinfo) => {
      const answer = { target: name, protocol: 'udp', from: `${rinfo.address}:${rinfo.port}`, data: msg.toString() };
      socket.send(`${JSON.stringify(answer)}\n`, rinfo.port, rinfo.address);
    });
    socket.on('error', () => undefined);
  }

  /** Binds `host:port`; rejects (EADDRINUSE) when the UDP port of that number is taken. */
  static async start(name: string, port: number, host = '127.0.0.1'): Promise<UdpEcho> {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpEcho(name, socket);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
