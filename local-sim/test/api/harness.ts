/**
 * The AWS API handlers driven without sockets: a model, a real engine on a virtual clock, and the
 * contexts the handlers need, applied the way the live simulator applies them (`Engine.updateModel`).
 * Responses are parsed back with an XML parser so tests assert on the API's field names. Given a
 * `VirtualSimulator`, the harness uses its engine and clock and applies changes with its `updateModel`,
 * so requests can go through the whole listener edge (§4.3 transforms and authenticate actions).
 */
import { XMLParser } from 'fast-xml-parser';
import { createEngine, seededRandom, type Engine } from '../../src/core';
import type { ListenerModel, Route53HealthCheckModel, SimModel, TargetModel } from '../../src/model';
import { ApiError } from '../../src/api/errors';
import { handleElbv2, type Elbv2Context } from '../../src/api/elbv2/handler';
import { QueryParams } from '../../src/api/query';
import {
  handleRoute53,
  checkerObservations,
  type ChangeRecord,
  type Route53Context,
} from '../../src/api/route53/handler';
import { VirtualClock } from '../../src/virtual/clock';
import type { VirtualSimulator } from '../../src/virtual';

/** Lists parse as arrays even with one item: `member` in ELBv2, `<Plural><Singular>` in Route 53. */
const ROUTE53_LISTS = new Set([
  'HostedZones.HostedZone',
  'ResourceRecordSets.ResourceRecordSet',
  'ResourceRecords.ResourceRecord',
  'HealthChecks.HealthCheck',
  'HealthCheckObservations.HealthCheckObservation',
  'Regions.Region',
  'ChildHealthChecks.ChildHealthCheck',
]);
const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: false,
  isArray: (name, jpath) => name === 'member' || ROUTE53_LISTS.has(String(jpath).split('.').slice(-2).join('.')),
});

/** Parsed XML: nested objects of strings, lists as arrays. */
export type Xml = Record<string, any>;

export function parse(xml: string): Xml {
  return parser.parse(xml) as Xml;
}

export class ApiHarness implements Elbv2Context, Route53Context {
  readonly clock: VirtualClock;
  readonly engine: Engine;
  readonly changes = new Map<string, ChangeRecord>();
  readonly createdTime = '2024-01-01T00:00:00.000Z';
  #model: SimModel;
  #next = 1;
  readonly #sim: VirtualSimulator | undefined;

  constructor(model: SimModel, sim?: VirtualSimulator) {
    this.#model = model;
    this.#sim = sim;
    this.clock = sim?.clock ?? new VirtualClock(1_000_000);
    this.engine = sim?.engine ?? createEngine(model, { clock: this.clock, random: seededRandom(1), cookieKey: 'k' });
  }

  model(): SimModel {
    return this.#model;
  }
  async apply(model: SimModel): Promise<void> {
    this.#model = model;
    if (this.#sim) this.#sim.updateModel(model);
    else this.engine.updateModel(model);
  }
  describeTargetHealth(id: string, targets?: readonly TargetModel[]) {
    return this.engine.describeTargetHealth(id, targets);
  }
  registerTargets(id: string, targets: readonly TargetModel[]): void {
    this.engine.registerTargets(id, targets);
  }
  deregisterTargets(id: string, targets: readonly TargetModel[]): void {
    this.engine.deregisterTargets(id, targets);
  }
  newRuleId(listener: ListenerModel): string {
    return `${listener.id}/ApiRule${this.#next++}`;
  }
  observations(hc: Route53HealthCheckModel) {
    return checkerObservations(
      hc,
      this.engine.healthCheckObservations(hc.id),
      this.engine.healthCheckStatus(hc.id),
      this.clock.now(),
    );
  }
  now(): number {
    return this.clock.now();
  }
  newChangeId(): string {
    return `C${String(this.#next++).padStart(13, '0')}`;
  }
  newRecordId(): string {
    return `route53/ApiRecordSet${this.#next++}`;
  }

  /** One ELBv2 Query call; returns the parsed `<ActionResult>`. */
  async elbv2(action: string, params: Record<string, string | number | boolean> = {}): Promise<Xml> {
    const form = new URLSearchParams({ Action: action, Version: '2015-12-01' });
    for (const [k, v] of Object.entries(params)) form.set(k, String(v));
    const xml = await handleElbv2(QueryParams.parse(form.toString()), this, 'req-1');
    const doc = parse(xml)[`${action}Response`] as Xml;
    expect(doc['@_xmlns']).toBe('https://elasticloadbalancing.amazonaws.com/doc/2015-12-01/');
    expect(doc.ResponseMetadata.RequestId).toBe('req-1');
    return (doc[`${action}Result`] || {}) as Xml;
  }

  /** The error an ELBv2 call fails with. */
  async elbv2Error(action: string, params: Record<string, string | number | boolean> = {}): Promise<ApiError> {
    try {
      await this.elbv2(action, params);
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error(`${action} succeeded`);
  }

  async route53(method: string, path: string, body = ''): Promise<Xml> {
    const url = new URL(path, 'http://api');
    const xml = await handleRoute53({ method, path: url.pathname, query: url.searchParams, body }, this);
    const doc = parse(xml);
    const root = Object.keys(doc).find((k) => !k.startsWith('?'))!;
    expect(doc[root]['@_xmlns']).toBe('https://route53.amazonaws.com/doc/2013-04-01/');
    return doc[root] as Xml;
  }

  async route53Error(method: string, path: string, body = ''): Promise<ApiError> {
    try {
      await this.route53(method, path, body);
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error(`${method} ${path} succeeded`);
  }

  /** Answer every due probe with `status` for `rounds` intervals of `stepMs`. */
  probeAll(status: number, rounds = 5, stepMs = 10_000): void {
    for (let i = 0; i < rounds; i++) {
      for (const p of this.engine.probeDue()) this.engine.probeResult(p.probeId, { kind: 'response', status });
      this.clock.advance(stepMs);
    }
  }
}

/** `Name.member.N[.Field]` parameters of a list. */
export function memberParams(
  name: string,
  items: readonly (string | Record<string, string | number>)[],
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  items.forEach((item, i) => {
    if (typeof item === 'string') out[`${name}.member.${i + 1}`] = item;
    else for (const [k, v] of Object.entries(item)) out[`${name}.member.${i + 1}.${k}`] = v;
  });
  return out;
}
