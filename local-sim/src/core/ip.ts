/** IPv4/IPv6 address and CIDR matching for source-ip conditions (docs/aws-behaviour.md §4.2). */

/** Parse an IPv4 or IPv6 address into bytes (IPv4-mapped IPv6 `::ffff:a.b.c.d` → 4 bytes). */
export function parseIp(text: string): Uint8Array | undefined {
  const s = text
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return Uint8Array.from(parts);
  }
  if (!s.includes(':')) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (mapped) return parseIp(mapped[1]);
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return undefined;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const groups = (x: string): number[] | undefined => {
    if (x === '') return [];
    const out: number[] = [];
    for (const g of x.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  const fill = 8 - h.length - t.length;
  if (dbl < 0 ? fill !== 0 : fill < 1) return undefined;
  const all = [...h, ...new Array<number>(dbl < 0 ? 0 : fill).fill(0), ...t];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

/** True when `ip` lies in `cidr` (`10.0.0.0/8`, `2001:db8::/32`; a bare address means /32 or /128). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const net = parseIp(base);
  const addr = parseIp(ip);
  if (!net || !addr || net.length !== addr.length) return false;
  const bits = bitsText === undefined ? net.length * 8 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > net.length * 8) return false;
  for (let i = 0; i < net.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    if (take === 0) break;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((net[i] & mask) !== (addr[i] & mask)) return false;
  }
  return true;
}
