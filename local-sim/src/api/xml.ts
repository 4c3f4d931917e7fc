/**
 * XML for the AWS-compatible API: documents are built from plain objects whose keys are the element
 * names exactly as the ELBv2 and Route 53 APIs spell them, and request bodies (Route 53) are parsed into
 * objects of strings. fast-xml-parser does the escaping and parsing; this file fixes its options once.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** An element's content: text, a nested element, a repeated element (array), or absent (undefined). */
export type XmlValue = string | number | boolean | XmlNode | readonly XmlValue[] | undefined;
export interface XmlNode {
  readonly [element: string]: XmlValue;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

/**
 * Drop undefined members and empty lists: they produce no element, so a list with no items is its empty
 * parent element (`<Conditions></Conditions>`), which the SDKs read as an empty list.
 */
function prune(v: XmlValue): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as XmlNode)) {
      if (x === undefined || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = prune(x);
    }
    return Object.keys(out).length === 0 ? '' : out;
  }
  return v;
}

/** `<?xml ...?><root xmlns="namespace">body</root>`. */
export function xmlDocument(root: string, namespace: string, body: XmlNode): string {
  const doc = { [root]: { '@_xmlns': namespace, ...(prune(body) as Record<string, unknown>) } };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc) as string}`;
}

/** AWS lists: `<member>` elements in the Query protocol (an empty list is an empty element). */
export function members(items: readonly XmlValue[]): XmlNode {
  return { member: items };
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: true,
  isArray: (_name, jpath) => ARRAY_PATHS.has(String(jpath).replace(/^[^.]+\./, '')),
});

/** Element paths (below the root) that are lists in Route 53 request bodies, so one item still parses as a list. */
const ARRAY_PATHS = new Set([
  'ChangeBatch.Changes.Change',
  'ChangeBatch.Changes.Change.ResourceRecordSet.ResourceRecords.ResourceRecord',
]);

/** Parse a request body; throws on text that is not well-formed XML. Returns the root element's content and name. */
export function parseXml(text: string): { root: string; content: Record<string, unknown> } {
  const doc = parser.parse(text, true) as Record<string, unknown>;
  const root = Object.keys(doc).find((k) => !k.startsWith('?'));
  if (root === undefined) throw new Error('no root element');
  const content = doc[root];
  return { root, content: typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {} };
}
