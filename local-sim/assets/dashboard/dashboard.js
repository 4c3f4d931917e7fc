/*
 * The ha-sim dashboard: renders the admin port's `state` and `requests` server-sent events (GET /events)
 * and drives the target and zone controls (POST /_sim/targets/... and /_sim/zones/... with the page's
 * admin token). Plain browser
 * JavaScript, no build step; charts by uPlot. Tables are updated in place so that keyboard focus stays
 * on the control a person is using while the page refreshes every second.
 */
(function () {
  'use strict';

  const TOKEN = document.querySelector('meta[name="ha-sim-token"]').getAttribute('content');
  const HISTORY = 120; // chart points kept (seconds at one state a second)
  const MAX_REQUESTS = 300; // timeline rows kept in the page

  // ---- small DOM helpers ---------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  /** Replace the children of `el`, skipping null, undefined and false (optional parts). */
  function fill(el, ...children) {
    el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  function setText(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }

  function duration(ms) {
    if (!(ms >= 0)) return '';
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${s % 60}s`;
    const hrs = Math.floor(m / 60);
    return `${hrs}h ${m % 60}m`;
  }

  let toastTimer;
  function toast(message, error) {
    const t = document.getElementById('toast');
    t.textContent = message;
    t.className = `show${error ? ' error' : ''}`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.className = ''), error ? 6000 : 3000);
  }

  // ---- health ----------------------------------------------------------------------------------------

  /** Icon and words for each state: colour is never the only signal. */
  const STATES = {
    healthy: ['✓', 'healthy'],
    unhealthy: ['✗', 'unhealthy'],
    'unhealthy.draining': ['✗', 'unhealthy, draining'],
    initial: ['…', 'initial'],
    draining: ['⇣', 'draining'],
    unused: ['–', 'unused'],
    unavailable: ['?', 'unavailable'],
  };

  function stateCell(cell, t) {
    const [icon, words] = STATES[t.state] || ['?', t.state];
    const slow = t.slowStartUntil !== undefined && t.state === 'healthy';
    const key = `${t.state}|${slow}|${t.reason || ''}`;
    if (cell.dataset.key !== key) {
      cell.dataset.key = key;
      cell.dataset.state = t.state;
      cell.className = `state state-${t.state.replace('.', '-')}`;
      fill(
        cell,
        h('span', { class: 'icon', 'aria-hidden': 'true', text: slow ? '↗' : icon }),
        slow ? `${words}, slow start` : words,
        ...(t.reason ? [h('span', { class: 'reason', text: t.reason })] : []),
      );
    }
    cell.title = t.description || '';
  }

  function detailText(t, now) {
    const parts = [];
    if (t.since !== undefined) parts.push(`for ${duration(now - t.since)}`);
    if (t.drainingUntil !== undefined && /draining/.test(t.state)) {
      parts.push(`draining ends in ${duration(Math.max(0, t.drainingUntil - now))}`);
    }
    if (t.slowStartUntil !== undefined) {
      parts.push(
        `slow start: ${Math.round((t.weight || 0) * 100)}% share, ends in ${duration(t.slowStartUntil - now)}`,
      );
    } else if (t.weight !== undefined && t.weight < 1) {
      parts.push(`${Math.round(t.weight * 100)}% share`);
    }
    if (t.anomaly === 'anomalous') parts.push('anomalous');
    if (t.inFlight) parts.push(`${t.inFlight} in flight`);
    return parts.join(' · ');
  }

  // ---- controls --------------------------------------------------------------------------------------

  /** [verb, label, which target kinds, enabled in which state, danger]. */
  const VERBS = [
    ['fail-health', 'Fail health check', ['demo'], (t) => t.state !== 'unused', true],
    ['recover', 'Recover', ['demo'], () => true, false],
    ['down', 'Take down', ['demo', 'process'], (t) => t.state !== 'unused', true],
    ['up', 'Bring up', ['demo', 'process'], () => true, false],
    ['deregister', 'Deregister', ['demo', 'process', 'external'], (t) => !/^(unused|draining)$/.test(t.state), true],
    ['register', 'Register', ['demo', 'process', 'external'], (t) => /^(unused|draining)$/.test(t.state), false],
  ];

  async function control(tg, index, verb, label) {
    const url = `/_sim/targets/${encodeURIComponent(tg)}/${index}/${verb}`;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'x-ha-sim-token': TOKEN } });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || body.ok === false) {
        toast(`${label}: ${(body.error && body.error.message) || res.status}`, true);
        return;
      }
      const s = body.target && body.target.TargetHealth;
      toast(`${label}: done${s ? ` (now ${s.State}${s.Reason ? `, ${s.Reason}` : ''})` : ''}`);
    } catch (err) {
      toast(`${label}: ${err.message}`, true);
    }
  }

  async function zoneControl(zone, action) {
    const label = `${action === 'fail' ? 'Fail' : 'Recover'} zone ${zone}`;
    try {
      const res = await fetch(`/_sim/zones/${encodeURIComponent(zone)}/${action}`, {
        method: 'POST',
        headers: { 'x-ha-sim-token': TOKEN },
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || body.ok === false) {
        toast(`${label}: ${(body.error && body.error.message) || res.status}`, true);
        return;
      }
      toast(`${label}: done (now ${body.zone && body.zone.failed ? 'failed' : 'up'})`);
    } catch (err) {
      toast(`${label}: ${err.message}`, true);
    }
  }

  // ---- target groups ---------------------------------------------------------------------------------

  const tgViews = new Map(); // tg id → { section, tbody, rows: Map(index → row parts), shape }

  function renderTargetGroups(state) {
    const root = document.getElementById('target-groups');
    const seen = new Set();
    const anyZones = (state.zones || []).length > 0;
    const failedZones = new Set((state.zones || []).filter((z) => z.failed).map((z) => z.availabilityZone));
    for (const tg of state.targetGroups) {
      seen.add(tg.id);
      let view = tgViews.get(tg.id);
      const zoned = anyZones || tg.targets.some((t) => t.availabilityZone);
      const shape = `${tg.targets.map((t) => `${t.index}:${t.address}:${t.kind}`).join(',')}|${zoned}`;
      if (!view || view.shape !== shape) {
        const fresh = buildTargetGroup(tg, zoned);
        if (view) view.section.replaceWith(fresh.section);
        else root.append(fresh.section);
        view = { ...fresh, shape };
        tgViews.set(tg.id, view);
      }
      updateTargetGroup(view, tg, state.at, failedZones);
    }
    for (const [id, view] of tgViews) {
      if (!seen.has(id)) {
        view.section.remove();
        tgViews.delete(id);
      }
    }
  }

  function buildTargetGroup(tg, zoned) {
    const meta = h('p', { class: 'tg-meta' });
    const zones = h('p', { class: 'tg-meta' });
    const tbody = h('tbody');
    const rows = new Map();
    for (const t of tg.targets) {
      const name = t.name ? `${t.name} · ` : '';
      const state = h('td', { 'data-cell': 'state' });
      const detail = h('td', { class: 'detail' });
      const zone = zoned ? h('td', { 'data-cell': 'zone' }) : null;
      const buttons = VERBS.filter(([, , kinds]) => kinds.includes(t.kind)).map(([verb, label, , , danger]) =>
        h('button', {
          type: 'button',
          class: danger ? 'danger' : '',
          'data-verb': verb,
          'aria-label': `${label}: ${tg.id} target ${t.index} (${t.address})`,
          text: label,
          onclick: () => control(tg.id, t.index, verb, `${label} ${t.name || t.address}`),
        }),
      );
      const row = h(
        'tr',
        { 'data-target': `${tg.id}#${t.index}` },
        h('td', { class: 'num', text: String(t.index) }),
        h(
          'td',
          {},
          h('span', { class: 'mono', text: t.address }),
          h('span', { class: 'reason', text: `${name}${t.kind}` }),
        ),
        zone,
        state,
        detail,
        h(
          'td',
          {},
          buttons.length ? h('div', { class: 'controls' }, buttons) : h('span', { class: 'muted', text: '-' }),
        ),
      );
      rows.set(t.index, { row, state, detail, zone, buttons });
      tbody.append(row);
    }
    const table = h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', text: '#' }),
          h('th', { scope: 'col', text: 'Target' }),
          zoned ? h('th', { scope: 'col', text: 'Zone' }) : null,
          h('th', { scope: 'col', text: 'Health' }),
          h('th', { scope: 'col', text: 'In state' }),
          h('th', { scope: 'col', text: 'Controls' }),
        ),
      ),
      tbody,
    );
    const section = h(
      'div',
      { class: 'tg', 'data-target-group': tg.id },
      h('h3', { text: tg.id }),
      meta,
      zones,
      tg.targets.length
        ? h('div', { class: 'scroll' }, table)
        : h('p', { class: 'muted', text: 'no registered targets' }),
    );
    return { section, meta, zones, tbody, rows };
  }

  function updateTargetGroup(view, tg, now, failedZones) {
    const counts = {};
    for (const t of tg.targets) counts[t.state] = (counts[t.state] || 0) + 1;
    const summary = Object.entries(counts)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    setText(
      view.meta,
      `${tg.protocol || '-'}:${tg.port || '-'} · ${tg.algorithm} · stickiness ${tg.stickiness}` +
        `${tg.slowStartSeconds ? ` · slow start ${tg.slowStartSeconds}s` : ''} · deregistration delay ` +
        `${tg.deregistrationDelaySeconds}s · ${tg.healthCheck}${summary ? ` · ${summary}` : ''}${tg.inUse ? '' : ' · not in use'}`,
    );
    const byZone = {};
    for (const t of tg.targets) {
      const where = targetZone(t);
      if (!where) continue;
      const z = (byZone[where] ||= { healthy: 0, all: 0 });
      z.all++;
      if (t.state === 'healthy') z.healthy++;
    }
    setText(
      view.zones,
      Object.entries(byZone)
        .map(([z, c]) => `${z}: ${c.healthy}/${c.all} healthy`)
        .join(' · '),
    );
    for (const t of tg.targets) {
      const r = view.rows.get(t.index);
      if (!r) continue;
      stateCell(r.state, t);
      setText(r.detail, detailText(t, now));
      if (r.zone) zoneCell(r.zone, t, failedZones);
      for (const b of r.buttons) {
        const spec = VERBS.find(([verb]) => verb === b.dataset.verb);
        const enabled = spec[3](t);
        if (b.disabled === enabled) b.disabled = !enabled;
      }
    }
  }

  /** The zone a target is in: as the simulator placed it, else as registered. */
  function targetZone(t) {
    return t.zone || t.availabilityZone;
  }

  /**
   * The target's zone and, when the nodes disagree, how each zone's node sees it (§1.3); the nodes of
   * failed zones do not check, so their views are left out.
   */
  function zoneCell(cell, t, failedZones) {
    const views = Object.entries(t.nodeHealth || {}).filter(([z]) => !failedZones.has(z));
    const split = new Set(views.map(([, s]) => s)).size > 1;
    const key = `${targetZone(t) || '-'}|${split ? JSON.stringify(views) : ''}`;
    if (cell.dataset.key === key) return;
    cell.dataset.key = key;
    fill(
      cell,
      targetZone(t) || '-',
      split
        ? h('span', {
            class: 'reason',
            text: `nodes: ${views.map(([z, s]) => `${z} ${(STATES[s] || ['', s])[1]}`).join(', ')}`,
          })
        : null,
    );
  }

  // ---- Availability Zones ----------------------------------------------------------------------------

  const zoneViews = new Map(); // zone → { card, status, nodes, targets, button }
  let zoneShape = '';

  function renderZones(state) {
    const zones = state.zones || [];
    const root = document.getElementById('zone-list');
    const shape = zones.map((z) => `${z.availabilityZone}:${z.loadBalancers.map((l) => l.id).join(',')}`).join('|');
    if (shape !== zoneShape) {
      zoneShape = shape;
      zoneViews.clear();
      fill(
        root,
        zones.length === 0 ? h('p', { class: 'muted', text: 'The load balancers have no Availability Zones.' }) : null,
        ...zones.map((z) => {
          const view = buildZone(z.availabilityZone);
          zoneViews.set(z.availabilityZone, view);
          return view.card;
        }),
      );
    }
    for (const z of zones) updateZone(zoneViews.get(z.availabilityZone), z);
  }

  function buildZone(zone) {
    const status = h('p', { class: 'zone-state', 'data-cell': 'zone-state' });
    const nodes = h('ul', { class: 'zone-nodes' });
    const targets = h('p', { class: 'zone-targets' });
    const button = h('button', {
      type: 'button',
      onclick: () => {
        if (button.dataset.pending) return;
        button.dataset.pending = 'true';
        zoneControl(zone, button.dataset.action).finally(() => delete button.dataset.pending);
      },
    });
    const card = h(
      'div',
      { class: 'zone', 'data-zone': zone },
      h('h3', { text: zone }),
      status,
      nodes,
      targets,
      button,
    );
    return { card, status, nodes, targets, button };
  }

  function updateZone(view, z) {
    const failed = z.failed ? 'true' : 'false';
    if (view.card.dataset.failed !== failed) {
      view.card.dataset.failed = failed;
      view.status.className = `zone-state ${z.failed ? 'state-unhealthy' : 'state-healthy'}`;
      fill(
        view.status,
        h('span', { class: 'icon', 'aria-hidden': 'true', text: z.failed ? '✗' : '✓' }),
        z.failed ? 'failed' : 'up',
      );
      const action = z.failed ? 'recover' : 'fail';
      const label = z.failed ? 'Recover zone' : 'Fail zone';
      view.button.dataset.action = action;
      view.button.className = z.failed ? '' : 'danger';
      view.button.textContent = label;
      view.button.setAttribute('aria-label', `${label} ${z.availabilityZone}`);
    }
    const key = JSON.stringify(z.loadBalancers);
    if (view.nodes.dataset.key !== key) {
      view.nodes.dataset.key = key;
      fill(
        view.nodes,
        ...z.loadBalancers.map((lb) =>
          h(
            'li',
            { 'data-lb': lb.id },
            h('span', { text: lb.id }),
            ' ',
            h('span', { class: 'mono', text: lb.nodeAddress || '(no node address)' }),
            h('span', { class: 'reason', text: lb.inDns ? 'node in DNS answers' : 'node not in DNS answers' }),
          ),
        ),
      );
    }
    setText(view.targets, `Healthy targets: ${z.targets.healthy} of ${z.targets.total}`);
  }

  // ---- load balancers, listeners, rules --------------------------------------------------------------

  let lbShape = '';
  function renderLoadBalancers(state) {
    const shape = JSON.stringify(state.loadBalancers);
    if (shape === lbShape) return;
    lbShape = shape;
    const root = document.getElementById('load-balancers');
    fill(
      root,
      ...state.loadBalancers.map((lb) =>
        h(
          'div',
          { class: 'lb' },
          h('h3', { text: `${lb.id} (${lb.type})` }),
          h(
            'p',
            { class: 'tg-meta' },
            lb.dimension,
            lb.dnsName ? ` · ${lb.dnsName} → ${lb.answers.join(' ') || '(no address)'}` : '',
          ),
          lb.nodes.length
            ? h(
                'p',
                { class: 'tg-meta' },
                'Nodes: ',
                lb.nodes.map((n) => `${n.address} (${n.listeners.join(', ')})`).join(' · '),
              )
            : null,
          ...lb.listeners.map((l) =>
            h(
              'div',
              {},
              h(
                'p',
                {},
                h('strong', { text: `${l.protocol}:${l.port}` }),
                ' ',
                l.url ? h('a', { href: l.url, text: l.url, rel: 'noreferrer' }) : '(not simulated)',
                h('span', { class: 'muted', text: `  ${l.id}` }),
              ),
              h(
                'div',
                { class: 'scroll' },
                h(
                  'table',
                  {},
                  h(
                    'thead',
                    {},
                    h(
                      'tr',
                      {},
                      h('th', { scope: 'col', text: 'Priority' }),
                      h('th', { scope: 'col', text: 'Conditions' }),
                      h('th', { scope: 'col', text: 'Action' }),
                    ),
                  ),
                  h(
                    'tbody',
                    {},
                    l.rules.map((r) =>
                      h(
                        'tr',
                        {},
                        h('td', { text: String(r.priority) }),
                        h('td', { class: 'mono', text: r.conditions }),
                        h('td', { class: 'mono', text: r.action }),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  // ---- node processes (--workers) -------------------------------------------------------------------

  let processShape = '';
  function renderProcesses(state) {
    const list = state.processes || [];
    const shape = JSON.stringify(list);
    if (shape === processShape) return;
    processShape = shape;
    fill(
      document.getElementById('processes'),
      h(
        'table',
        { 'aria-labelledby': 'processes-title' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Node', 'PID', 'Requests', 'New flows', 'Active connections'].map((t) =>
              h('th', { scope: 'col', text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          list.map((n) =>
            h(
              'tr',
              { 'data-node': String(n.node) },
              h('td', { class: 'num', text: String(n.node) }),
              h('td', { class: 'num', text: n.pid === undefined ? '-' : String(n.pid) }),
              h('td', { class: 'num', text: String(n.requests) }),
              h('td', { class: 'num', text: String(n.flows) }),
              h('td', { class: 'num', text: String(n.activeConnections) }),
            ),
          ),
        ),
      ),
    );
  }

  // ---- Route 53 --------------------------------------------------------------------------------------

  let dnsShape = '';
  function renderDns(state) {
    const dns = state.dns;
    const shape = JSON.stringify(dns || null);
    if (shape === dnsShape) return;
    dnsShape = shape;
    const root = document.getElementById('dns');
    if (!dns) {
      fill(root, h('p', { class: 'muted', text: 'The app has no Route 53 records.' }));
      return;
    }
    const health = new Map(dns.healthChecks.map((c) => [c.id, c]));
    fill(
      root,
      h('p', { class: 'tg-meta', text: dns.server === 'off' ? 'DNS server off' : `DNS server ${dns.server}` }),
      ...dns.records.map((rec) =>
        h(
          'div',
          {},
          h(
            'h3',
            {},
            `${rec.name} ${rec.type}`,
            h('span', { class: 'muted', text: `  → ${rec.answer.join(' ') || '-'}` }),
          ),
          h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col', text: 'Answers' }),
                  h('th', { scope: 'col', text: 'Record' }),
                  h('th', { scope: 'col', text: 'Role / weight' }),
                  h('th', { scope: 'col', text: 'Health check' }),
                  h('th', { scope: 'col', text: 'Target' }),
                ),
              ),
              h(
                'tbody',
                {},
                rec.records.map((r) => {
                  const hc = r.healthCheckId ? health.get(r.healthCheckId) : undefined;
                  const checkers = hc && hc.checkers ? ` (${hc.checkers.healthy}/${hc.checkers.total} checkers)` : '';
                  return h(
                    'tr',
                    { 'data-record': r.setIdentifier || r.id },
                    h(
                      'td',
                      { class: r.answering ? 'state answering' : 'state standby' },
                      r.answering ? '✓ answering' : '– standby',
                    ),
                    h('td', { class: 'mono', text: r.setIdentifier || r.id }),
                    h('td', { text: r.role || (r.weight !== undefined ? `weight ${r.weight}` : '-') }),
                    h(
                      'td',
                      { class: r.healthy === false ? 'state state-unhealthy' : r.healthy ? 'state state-healthy' : '' },
                      r.healthy === undefined ? '-' : r.healthy ? `✓ healthy${checkers}` : `✗ unhealthy${checkers}`,
                    ),
                    h('td', { class: 'mono', text: r.target }),
                  );
                }),
              ),
            ),
          ),
        ),
      ),
      dns.changes.length
        ? h(
            'div',
            {},
            h('h3', { text: 'Answer changes (§7.6)' }),
            h(
              'ul',
              {},
              dns.changes
                .slice()
                .reverse()
                .map((c) =>
                  h(
                    'li',
                    {},
                    `${new Date(c.at).toLocaleTimeString()} ${c.name} ${c.recordType}: ${c.from.join(',') || '-'} → ` +
                      `${c.to.join(',') || '-'}; cached answers expire by ${new Date(c.clientsMoveBy).toLocaleTimeString()}`,
                  ),
                ),
            ),
          )
        : null,
    );
  }

  // ---- charts ----------------------------------------------------------------------------------------

  const chartDefs = [
    {
      id: 'chart-requests',
      series: () => scopeLbs().map((lb) => `${lb.id} ${lb.type === 'network' ? 'new flows' : 'requests'}`),
    },
    { id: 'chart-errors', series: () => ['ELB 4XX', 'ELB 5XX', 'target 4XX', 'target 5XX'] },
    { id: 'chart-latency', series: () => ['p50', 'p90', 'p99'] },
    {
      id: 'chart-connections',
      series: () => scopeLbs().map((lb) => `${lb.id} ${lb.type === 'network' ? 'flows' : 'connections'}`),
    },
  ];
  const COLORS = ['#1f5fbf', '#b42318', '#17803d', '#9a5b00', '#6941c6', '#0e7490', '#be185d', '#4d7c0f'];
  let charts = [];
  let chartShape = '';
  let history = { t: [], series: [[], [], [], []] };
  let previous;
  let current;

  function scope() {
    return document.getElementById('scope').value;
  }

  function scopeLbs() {
    if (!current) return [];
    const s = scope();
    return current.loadBalancers.filter((lb) => !s || lb.id === s);
  }

  function scopeTgs() {
    const ids = new Set(scopeLbs().map((lb) => lb.id));
    return current.targetGroups.filter((tg) => tg.loadBalancerIds.some((id) => ids.has(id)));
  }

  function chartWidth(el) {
    return Math.max(260, Math.floor(el.getBoundingClientRect().width || 300));
  }

  function buildCharts() {
    for (const c of charts) c.destroy();
    charts = [];
    history = { t: [], series: chartDefs.map((d) => d.series().map(() => [])) };
    if (typeof uPlot === 'undefined') return;
    chartDefs.forEach((def) => {
      const el = document.getElementById(def.id);
      const names = def.series();
      const opts = {
        width: chartWidth(el),
        height: 170,
        legend: { show: true },
        scales: { x: { time: true } },
        axes: [{}, { size: 50 }],
        series: [
          {},
          ...names.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false })),
        ],
      };
      charts.push(new uPlot(opts, [[], ...names.map(() => [])], el));
    });
  }

  function sum(obj, keys) {
    let n = 0;
    for (const k of keys) n += (obj && obj[k]) || 0;
    return n;
  }

  function rate(now, before, get) {
    const dt = (now.at - before.at) / 1000;
    return dt > 0 ? Math.max(0, (get(now) - get(before)) / dt) : 0;
  }

  /** Percentile from histogram bucket deltas (as Prometheus' histogram_quantile, linear in a bucket). */
  function percentile(deltas, bounds, q) {
    const total = deltas.reduce((a, b) => a + b, 0);
    if (total === 0) return null;
    const want = q * total;
    let seen = 0;
    for (let i = 0; i < deltas.length; i++) {
      if (seen + deltas[i] >= want && deltas[i] > 0) {
        const lower = i === 0 ? 0 : bounds[i - 1];
        const upper = i < bounds.length ? bounds[i] : bounds[bounds.length - 1];
        return (lower + ((upper - lower) * (want - seen)) / deltas[i]) * 1000;
      }
      seen += deltas[i];
    }
    return bounds[bounds.length - 1] * 1000;
  }

  function latencyDeltas(now, before) {
    const n = now.latencyBucketsSeconds.length + 1;
    const out = new Array(n).fill(0);
    for (const tg of scopeTgs()) {
      const a = now.metrics.targetResponseTimeBuckets[tg.dimension];
      const b = before.metrics.targetResponseTimeBuckets[tg.dimension];
      if (!a) continue;
      for (let i = 0; i < n; i++) out[i] += a[i] - ((b && b[i]) || 0);
    }
    return out;
  }

  function addPoint(now, before) {
    const lbs = scopeLbs();
    const tgs = scopeTgs();
    const m = (s) => s.metrics;
    const lbMetrics = (s, lb) =>
      lb.type === 'network' ? m(s).networkLoadBalancers[lb.dimension] : m(s).loadBalancers[lb.dimension];
    const tgMetric = (key) => (s) => tgs.reduce((n, tg) => n + ((m(s).targetGroups[tg.dimension] || {})[key] || 0), 0);
    const lbMetric = (key) => (s) =>
      lbs.reduce((n, lb) => n + (lb.type === 'network' ? 0 : (m(s).loadBalancers[lb.dimension] || {})[key] || 0), 0);
    const deltas = latencyDeltas(now, before);
    const values = [
      lbs.map((lb) =>
        rate(now, before, (s) => sum(lbMetrics(s, lb), [lb.type === 'network' ? 'NewFlowCount' : 'RequestCount'])),
      ),
      [
        rate(now, before, lbMetric('HTTPCode_ELB_4XX_Count')),
        rate(now, before, lbMetric('HTTPCode_ELB_5XX_Count')),
        rate(now, before, tgMetric('HTTPCode_Target_4XX_Count')),
        rate(now, before, tgMetric('HTTPCode_Target_5XX_Count')),
      ],
      [0.5, 0.9, 0.99].map((q) => percentile(deltas, now.latencyBucketsSeconds, q)),
      lbs.map((lb) => sum(lbMetrics(now, lb), [lb.type === 'network' ? 'ActiveFlowCount' : 'ActiveConnectionCount'])),
    ];
    history.t.push(now.at / 1000);
    values.forEach((vals, c) => vals.forEach((v, i) => history.series[c][i] && history.series[c][i].push(v)));
    if (history.t.length > HISTORY) {
      history.t.shift();
      for (const s of history.series) for (const v of s) v.shift();
    }
    charts.forEach((chart, c) => chart.setData([history.t, ...history.series[c]]));
    for (const def of chartDefs) document.getElementById(def.id).dataset.points = String(history.t.length);
  }

  function renderCharts(state) {
    current = state;
    const select = document.getElementById('scope');
    const options = state.loadBalancers.map((lb) => lb.id).join('\n');
    if (select.dataset.options !== options) {
      const keep = select.value;
      select.dataset.options = options;
      fill(
        select,
        h('option', { value: '', text: 'all load balancers' }),
        ...state.loadBalancers.map((lb) => h('option', { value: lb.id, text: `${lb.id} (${lb.type})` })),
      );
      select.value = state.loadBalancers.some((lb) => lb.id === keep) ? keep : '';
    }
    const shape = `${scope()}|${state.loadBalancers.map((lb) => lb.id).join(',')}`;
    if (shape !== chartShape) {
      chartShape = shape;
      buildCharts();
      previous = undefined;
    }
    if (previous && state.at - previous.at >= 500) {
      addPoint(state, previous);
      previous = state;
    } else if (!previous) previous = state;
  }

  window.addEventListener('resize', () => {
    charts.forEach((c, i) => c.setSize({ width: chartWidth(document.getElementById(chartDefs[i].id)), height: 170 }));
  });
  document.getElementById('scope').addEventListener('change', () => current && renderCharts(current));

  // ---- request timeline ------------------------------------------------------------------------------

  let requests = [];
  let selected;

  function filters() {
    return {
      listener: document.getElementById('filter-listener').value,
      rule: document.getElementById('filter-rule').value.trim(),
      target: document.getElementById('filter-target').value.trim(),
      status: document.getElementById('filter-status').value.trim().toLowerCase(),
    };
  }

  function shown(r, f) {
    if (f.listener && r.listener !== f.listener) return false;
    if (f.rule) {
      const want = f.rule === 'default' ? '0' : f.rule;
      if (!r.rule || (String(r.rule.matchedPriority) !== want && r.rule.matchedRuleId !== f.rule)) return false;
    }
    if (f.target) {
      const t = r.target;
      if (!t || (t.address !== f.target && t.name !== f.target && `${r.targetGroup}#${t.index}` !== f.target))
        return false;
    }
    if (f.status) {
      const cls = /^([1-5])xx$/.exec(f.status);
      if (cls ? Math.floor(r.status / 100) !== Number(cls[1]) : String(r.status) !== f.status) return false;
    }
    return true;
  }

  function ms(n) {
    return n < 0 ? '-' : `${Math.round(n * 10) / 10}`;
  }

  function ruleText(r) {
    if (!r.rule) return 'before rules';
    return r.rule.matchedPriority === 0 ? 'default' : String(r.rule.matchedPriority);
  }

  function renderRequests() {
    const f = filters();
    const tbody = document.querySelector('#requests tbody');
    const rows = requests
      .filter((r) => shown(r, f))
      .slice(-100)
      .reverse()
      .map((r) => {
        const row = h(
          'tr',
          {
            tabindex: '0',
            'data-request': String(r.id),
            'aria-selected': selected === r.id ? 'true' : 'false',
            onclick: () => select(r.id),
            onkeydown: (e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                select(r.id);
              }
            },
          },
          h('td', { class: 'mono', text: new Date(r.receivedAtMs).toLocaleTimeString() }),
          h('td', { text: String(r.listenerPort) }),
          h('td', { class: 'mono path', text: `${r.method} ${r.path}` }),
          h('td', { text: ruleText(r) }),
          h('td', { class: 'mono', text: r.target ? r.target.name || r.target.address : '-' }),
          h('td', { class: `status-${String(r.status)[0]}`, text: `${r.status}${r.generated ? ' (ELB)' : ''}` }),
          h('td', { class: 'num', text: ms(r.timings.totalMs) }),
        );
        return row;
      });
    const focused = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.request;
    fill(tbody, ...rows);
    if (focused) {
      const again = tbody.querySelector(`tr[data-request="${focused}"]`);
      if (again) again.focus();
    }
  }

  function select(id) {
    selected = id;
    const r = requests.find((x) => x.id === id);
    for (const tr of document.querySelectorAll('#requests tbody tr')) {
      tr.setAttribute('aria-selected', tr.dataset.request === String(id) ? 'true' : 'false');
    }
    const box = document.getElementById('explanation');
    if (!r) return;
    const parts = [
      h('h3', { text: `${r.method} ${r.path} → ${r.status}${r.generated ? ' (answered by the load balancer)' : ''}` }),
      h(
        'p',
        { class: 'muted' },
        `${r.at} · listener ${r.listener || r.listenerPort} · client ${r.client}${r.host ? ` · Host ${r.host}` : ''}`,
      ),
      h(
        'p',
        {},
        `Timings (ms): request ${ms(r.timings.requestMs)}, target ${ms(r.timings.targetMs)}, ` +
          `response ${ms(r.timings.responseMs)}, total ${ms(r.timings.totalMs)}`,
      ),
    ];
    if (r.cause) parts.push(h('p', {}, h('strong', { text: 'Why the load balancer answered: ' }), r.cause));
    if (r.rule) {
      parts.push(
        h('h3', { text: 'Rules (§4.1)' }),
        h(
          'ol',
          {},
          r.rule.rules.map((t) =>
            h(
              'li',
              { class: t.matched ? 'hit' : 'miss' },
              `${t.priority === 'default' ? 'default rule' : `priority ${t.priority}`}: `,
              t.matched
                ? `✓ matched${t.conditions.length ? ` (${t.conditions.map((c) => c.detail).join('; ')})` : ''} → ${r.rule.action}`
                : `✗ ${t.failed.field}: ${t.failed.detail}`,
            ),
          ),
        ),
      );
      if (!r.rule.consistent) {
        parts.push(
          h('p', {
            class: 'muted',
            text: 'The rules changed since this request: the trace may differ from its routing.',
          }),
        );
      }
    } else {
      parts.push(h('p', { text: 'Answered before rule evaluation.' }));
    }
    if (r.target) {
      parts.push(
        h('h3', { text: 'Target (§1.5, §2.1, §3)' }),
        h(
          'p',
          {},
          h('span', {
            class: 'mono',
            text: `${r.targetGroup} → ${r.target.address}${r.target.name ? ` (${r.target.name})` : ''}`,
          }),
        ),
        r.target.why.targetGroupChoice
          ? h('p', { text: `Target group chosen ${r.target.why.targetGroupChoice}.` })
          : null,
        h('p', {}, h('span', { class: 'badge', text: r.target.why.code }), ' ', r.target.why.detail),
      );
    }
    fill(box, ...parts);
  }

  function addRequests(batch) {
    if (document.getElementById('pause').checked) return;
    requests.push(...batch.requests);
    if (requests.length > MAX_REQUESTS) requests = requests.slice(-MAX_REQUESTS);
    const status = document.getElementById('timeline-status');
    setText(
      status,
      `${requests.length} recent requests${batch.skipped ? ` (${batch.skipped} more arrived too fast to show)` : ''}`,
    );
    renderRequests();
  }

  function renderListenerFilter(state) {
    const select = document.getElementById('filter-listener');
    const listeners = state.loadBalancers
      .filter((lb) => lb.type === 'application')
      .flatMap((lb) => lb.listeners.filter((l) => l.simulated));
    const key = listeners.map((l) => l.id).join('\n');
    if (select.dataset.options === key) return;
    const keep = select.value;
    select.dataset.options = key;
    fill(
      select,
      h('option', { value: '', text: 'any' }),
      ...listeners.map((l) => h('option', { value: l.id, text: `${l.protocol}:${l.port} ${l.id}` })),
    );
    select.value = listeners.some((l) => l.id === keep) ? keep : '';
  }

  for (const id of ['filter-listener', 'filter-rule', 'filter-target', 'filter-status']) {
    document.getElementById(id).addEventListener('input', renderRequests);
  }
  document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());
  document.getElementById('clear').addEventListener('click', () => {
    requests = [];
    renderRequests();
  });

  // ---- the feed --------------------------------------------------------------------------------------

  let updates = 0;
  function onState(state) {
    renderCharts(state);
    renderTargetGroups(state);
    renderZones(state);
    renderLoadBalancers(state);
    renderProcesses(state);
    renderDns(state);
    renderListenerFilter(state);
    updates++;
    document.body.dataset.updates = String(updates);
  }

  function connect() {
    const conn = document.getElementById('connection');
    const source = new EventSource('/events');
    source.addEventListener('open', () => {
      conn.dataset.state = 'live';
      conn.textContent = 'live';
    });
    source.addEventListener('error', () => {
      conn.dataset.state = 'lost';
      conn.textContent = 'disconnected, retrying…';
    });
    source.addEventListener('state', (e) => onState(JSON.parse(e.data)));
    source.addEventListener('requests', (e) => addRequests(JSON.parse(e.data)));
  }

  connect();
})();
