import { DNS_LABEL_PATTERN, DNS_NAME_LIMITS } from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector } from '../shared/errors';

/**
 * DNS names as Route 53 compares them (docs/aws-behaviour.md §8.6): case-insensitive, with or
 * without the final dot, label by label.
 */

/** Lower case without the final dot: the form two names are compared in. */
export function canonicalName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** Whether `name` is `zone` itself or lies below it, judged on label boundaries. */
export function isWithinZone(name: string, zone: string): boolean {
  const n = canonicalName(name);
  const z = canonicalName(zone);
  return n === z || n.endsWith(`.${z}`);
}

/** Labels of 1-63 characters from letters, digits, `-` and `_`; `*` alone as the leftmost label; 253 characters at most. */
export function validateDnsName(issues: IssueCollector, code: string, label: string, name: string): void {
  if (isUnresolved(name)) return;
  const bare = name.replace(/\.$/, '');
  const limits = DNS_NAME_LIMITS;
  if (bare.length < limits.nameLength.min || bare.length > limits.nameLength.max) {
    issues.add(
      code,
      `${label} '${name.slice(0, 60)}' has ${bare.length} characters; allowed: a DNS name of ${limits.nameLength.min}-${limits.nameLength.max} characters (without the final dot).`,
    );
    return;
  }
  bare.split('.').forEach((part, i) => {
    if (part === '*' && i === 0) return;
    if (part.length < limits.labelLength.min || part.length > limits.labelLength.max) {
      issues.add(
        code,
        `${label} '${name}' has a label of ${part.length} characters${part ? ` ('${part.slice(0, 20)}')` : ''}; allowed: labels of ${limits.labelLength.min}-${limits.labelLength.max} characters separated by single dots.`,
      );
    } else if (!DNS_LABEL_PATTERN.test(part)) {
      issues.add(
        code,
        `${label} '${name}' has the label '${part}'; allowed: letters, digits, '-' and '_' ('*' only as the whole leftmost label).`,
      );
    }
  });
}

/** How a record name relates to its zone. */
export type Qualified = { readonly fqdn: string } | { readonly outside: string };

/**
 * The fully qualified name of `recordName` in `zone`, in lower case without the final dot:
 * - `www.example.com.` (final dot) is absolute and must lie within the zone;
 * - `www.example.com` or `WWW.Example.COM` is absolute when it lies within the zone;
 * - a name whose last label is the zone's last label (`www.other.com` in `example.com`) is taken as
 *   an absolute name outside the zone, since it was almost certainly not meant as `www.other.com.example.com`;
 * - any other name (`www`, `api.eu`) is relative to the zone.
 */
export function qualify(recordName: string, zone: string): Qualified {
  const z = canonicalName(zone);
  const n = canonicalName(recordName);
  if (isWithinZone(n, z)) return { fqdn: n };
  const absolute = recordName.endsWith('.');
  const sameTopLabel = n.includes('.') && n.split('.').pop() === z.split('.').pop();
  if (absolute || sameTopLabel) return { outside: n };
  return { fqdn: `${n}.${z}` };
}
