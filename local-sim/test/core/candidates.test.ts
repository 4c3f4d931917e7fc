import { candidateSet } from '../../src/core';
import type { TargetHealthState } from '@ha-load-balancer/spec';

const t = (state: TargetHealthState, az = 'a') => ({ state, availabilityZone: az });
const DEFAULT = { count: 1, percentage: 'off' } as const;

describe('§1.5 candidate set and fail-open', () => {
  test('§1.5 healthy targets only while the routing threshold is met', () => {
    const r = candidateSet([t('healthy'), t('unhealthy'), t('healthy')], DEFAULT);
    expect(r).toMatchObject({ kind: 'ok', failOpen: false, healthyCount: 2 });
    expect(r.kind === 'ok' && r.targets.map((x) => x.state)).toEqual(['healthy', 'healthy']);
  });

  test('§1.5 all targets unhealthy → fail open to all registered targets', () => {
    const r = candidateSet([t('unhealthy'), t('unhealthy'), t('initial')], DEFAULT);
    expect(r).toMatchObject({ kind: 'ok', failOpen: true });
    expect(r.kind === 'ok' && r.targets).toHaveLength(3);
  });

  test('§1.5 draining targets are never candidates, even when failing open', () => {
    const r = candidateSet([t('unhealthy'), t('draining')], DEFAULT);
    expect(r.kind === 'ok' && r.targets.map((x) => x.state)).toEqual(['unhealthy']);
  });

  test('§1.5 no registered targets → no-registered-targets (ALB answers 503)', () => {
    expect(candidateSet([], DEFAULT)).toEqual({ kind: 'no-registered-targets' });
    expect(candidateSet([t('draining')], DEFAULT)).toEqual({ kind: 'no-registered-targets' });
  });

  test('§1.5 count threshold: below N healthy → all targets', () => {
    const targets = [t('healthy'), t('healthy'), t('unhealthy'), t('unhealthy')];
    expect(candidateSet(targets, { count: 2, percentage: 'off' })).toMatchObject({ failOpen: false });
    expect(candidateSet(targets, { count: 3, percentage: 'off' })).toMatchObject({ failOpen: true });
  });

  test('§1.5 percentage threshold computed over registered targets; either breach triggers', () => {
    const targets = [t('healthy'), t('healthy'), t('unhealthy'), t('unhealthy'), t('unhealthy')];
    expect(candidateSet(targets, { count: 1, percentage: 40 })).toMatchObject({ failOpen: false });
    expect(candidateSet(targets, { count: 1, percentage: 50 })).toMatchObject({ failOpen: true });
  });

  test('§1.5 worked example: cross-zone off, AZ-B 4/10 healthy with 50 % → AZ-B node routes to all 10 of its targets', () => {
    const targets = [
      ...Array.from({ length: 10 }, () => t('healthy', 'a')),
      ...Array.from({ length: 4 }, () => t('healthy', 'b')),
      ...Array.from({ length: 6 }, () => t('unhealthy', 'b')),
    ];
    const zoneB = candidateSet(targets, { count: 1, percentage: 50 }, 'b');
    expect(zoneB).toMatchObject({ failOpen: true });
    expect(zoneB.kind === 'ok' && zoneB.targets).toHaveLength(10);
    // cross-zone on: 14/20 = 70 % ≥ 50 % → normal routing to the 14 healthy
    const all = candidateSet(targets, { count: 1, percentage: 50 });
    expect(all.kind === 'ok' && all.targets).toHaveLength(14);
  });
});

test('§1.5 simulator choice fail_open_initial_targets: with every target still initial, requests fail open to them', () => {
  expect(candidateSet([t('initial'), t('initial')], DEFAULT)).toMatchObject({
    kind: 'ok',
    failOpen: true,
    healthyCount: 0,
  });
});
