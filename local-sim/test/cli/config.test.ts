import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main, parseCli } from '../../src/cli';
import { isHostPort, mergeConfig, parseConfig, readConfigFile } from '../../src/cli/config';

const FILE = 'sim.json';

/** parseCli reading `files` instead of the disk. */
function parseWith(argv: string[], files: Record<string, unknown>) {
  return parseCli(argv, (f) => {
    if (!(f in files)) throw Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' });
    const v = files[f];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

describe('config file: parsing', () => {
  test('every key of a valid file is read', () => {
    // given a file with every key
    const text = JSON.stringify({
      targets: { 'LiveFixture/Web/Site': ['127.0.0.1:3000', '[::1]:3001'], Api: [] },
      demoBackends: 2,
      ports: { offset: 10 },
      host: '0.0.0.0',
      adminPort: 'off',
      accessLog: '-',
      summarySeconds: 0,
    });
    // when it is parsed, then each value is typed as the flags would give it
    expect(parseConfig(text, FILE)).toEqual({
      targets: { 'LiveFixture/Web/Site': ['127.0.0.1:3000', '[::1]:3001'], Api: [] },
      demoBackends: 2,
      ports: { offset: 10 },
      host: '0.0.0.0',
      adminPort: false,
      accessLog: '-',
      summarySeconds: 0,
    });
  });

  test.each([
    [{ ports: 'aws' }, { ports: 'aws' }],
    [{ ports: 0 }, { ports: 0 }],
    [{ adminPort: 0 }, { adminPort: 0 }],
    [{ adminPort: 65535 }, { adminPort: 65535 }],
    [{ dnsPort: 0 }, { dnsPort: 0 }],
    [{ dnsPort: 'off' }, { dnsPort: false }],
    [{ workers: 1 }, { workers: 1 }],
    [{ workers: 64 }, { workers: 64 }],
    [{}, {}],
  ])('%j is accepted', (file, expected) => {
    expect(parseConfig(JSON.stringify(file), FILE)).toEqual(expected);
  });

  test.each([
    // [file, key named in the message, value shown, allowed text]
    [{ colour: 'red' }, '"colour"', '"red"', 'allowed keys: targets, demoBackends'],
    [{ demoBackends: -1 }, '"demoBackends"', '-1', 'a non-negative integer'],
    [{ demoBackends: 1.5 }, '"demoBackends"', '1.5', 'a non-negative integer'],
    [{ demoBackends: '2' }, '"demoBackends"', '"2"', 'a non-negative integer'],
    [{ summarySeconds: true }, '"summarySeconds"', 'true', 'a non-negative integer'],
    [{ ports: 7 }, '"ports"', '7', '"aws", 0, or { "offset"'],
    [{ ports: { offset: -1 } }, '"ports"', '{"offset":-1}', '"aws", 0, or { "offset"'],
    [{ ports: { offset: 1, extra: 2 } }, '"ports"', '{"offset":1,"extra":2}', '"aws", 0, or { "offset"'],
    [{ host: '' }, '"host"', '""', 'a non-empty string'],
    [{ host: 12 }, '"host"', '12', 'a non-empty string'],
    [{ adminPort: 70000 }, '"adminPort"', '70000', 'an integer 0-65535 or "off"'],
    [{ adminPort: 'on' }, '"adminPort"', '"on"', 'an integer 0-65535 or "off"'],
    [{ apiPort: 65536 }, '"apiPort"', '65536', 'an integer 0-65535 or "off"'],
    [{ dnsPort: 65536 }, '"dnsPort"', '65536', 'an integer 0-65535 or "off"'],
    [{ workers: 0 }, '"workers"', '0', 'an integer 1-64 (load-balancer node processes)'],
    [{ workers: 65 }, '"workers"', '65', 'an integer 1-64 (load-balancer node processes)'],
    [{ workers: '2' }, '"workers"', '"2"', 'an integer 1-64 (load-balancer node processes)'],
    [{ accessLog: 1 }, '"accessLog"', '1', 'a file name or "-"'],
    [{ targets: ['127.0.0.1:3000'] }, '"targets"', '["127.0.0.1:3000"]', 'an object mapping a target group'],
    [{ targets: { Site: '127.0.0.1:3000' } }, '"targets.Site"', '"127.0.0.1:3000"', 'an array of "host:port"'],
    [{ targets: { Site: ['127.0.0.1'] } }, '"targets.Site[0]"', '"127.0.0.1"', '"host:port" with a port 1-65535'],
    [{ targets: { Site: ['a:1', 'b:0'] } }, '"targets.Site[1]"', '"b:0"', '"host:port" with a port 1-65535'],
    [{ targets: { Site: ['a:99999'] } }, '"targets.Site[0]"', '"a:99999"', '"host:port" with a port 1-65535'],
    [{ targets: { Site: [3000] } }, '"targets.Site[0]"', '3000', '"host:port" with a port 1-65535'],
  ])('%j → SIM_BAD_OPTION naming the file, key, value and what is allowed', (file, key, value, allowed) => {
    let error: unknown;
    try {
      parseConfig(JSON.stringify(file), FILE);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'SIM_BAD_OPTION' });
    const message = (error as Error).message;
    expect(message).toContain(`${FILE}:`);
    expect(message).toContain(key);
    expect(message).toContain(value);
    expect(message).toContain(allowed);
  });

  test.each([['{ "demoBackends": 2, }'], ['[1, 2]'], ['"text"'], ['null']])(
    'a file that is not a JSON object (%s) is SIM_BAD_OPTION naming the file',
    (text) => {
      expect(() => parseConfig(text, FILE)).toThrow(
        expect.objectContaining({ code: 'SIM_BAD_OPTION', message: expect.stringContaining(`${FILE}:`) }),
      );
    },
  );

  test('a missing file is SIM_BAD_OPTION naming the file', () => {
    expect(() => readConfigFile(path.join(tmpdir(), 'no-such-dir-ha-sim', 'sim.json'))).toThrow(
      expect.objectContaining({
        code: 'SIM_BAD_OPTION',
        message: expect.stringMatching(
          /--config .*no-such-dir-ha-sim.*sim\.json: cannot read the file \(no such file\)/,
        ),
      }),
    );
  });

  test.each([
    ['127.0.0.1:3000', true],
    ['localhost:1', true],
    ['[::1]:65535', true],
    ['host', false],
    ['host:0', false],
    ['host:65536', false],
    ['a b:80', false],
    [':80', false],
    ['127.0.0.1:3000@us-east-1b', true],
    ['[::1]:3000@all', true],
    ['127.0.0.1:3000@', false],
    ['127.0.0.1:3000@US East', false],
  ])('isHostPort(%s) is %s (§2.4: an optional @zone)', (text, ok) => {
    expect(isHostPort(text)).toBe(ok);
  });
});

test('§2.4 --targets TG=host:port@zone keeps the zone for the simulator', () => {
  const args = parseWith(['start', '--targets', 'Site=127.0.0.1:3000@us-east-1b,127.0.0.1:3001'], {});
  expect(args).toMatchObject({ options: { targets: { Site: ['127.0.0.1:3000@us-east-1b', '127.0.0.1:3001'] } } });
});

describe('config file: merged with the flags', () => {
  test('flags override the file; target groups merge per group', () => {
    const merged = mergeConfig(
      { targets: { Site: ['a:1'], Api: ['b:2'] }, demoBackends: 2, host: '0.0.0.0', summarySeconds: 5 },
      { targets: { Site: ['c:3'] }, demoBackends: 4, host: undefined },
    );
    expect(merged).toEqual({
      targets: { Site: ['c:3'], Api: ['b:2'] },
      demoBackends: 4,
      host: '0.0.0.0',
      summarySeconds: 5,
    });
  });

  test('start --config: the file provides the options', () => {
    const a = parseWith(['start', 'out', '--config', FILE], {
      [FILE]: {
        targets: { Site: ['127.0.0.1:3000'] },
        demoBackends: 2,
        ports: { offset: 10 },
        host: '0.0.0.0',
        adminPort: 'off',
        apiPort: 'off',
        dnsPort: 5353,
        accessLog: 'access.log',
        summarySeconds: 0,
      },
    });
    expect(a.command).toBe('start');
    expect(a.assembly).toBe('out');
    expect(a.configFile).toBe(FILE);
    expect(a.options).toEqual({
      targets: { Site: ['127.0.0.1:3000'] },
      demoBackends: 2,
      ports: { offset: 10 },
      host: '0.0.0.0',
      adminPort: false,
      apiPort: false,
      dnsPort: 5353,
      accessLog: 'access.log',
    });
    expect(a.summarySeconds).toBe(0);
  });

  test('start --config: command-line flags override the file', () => {
    const a = parseWith(
      [
        'start',
        '--config',
        FILE,
        '--demo-backends',
        '5',
        '--ports',
        '0',
        '--admin-port',
        '9000',
        '--targets',
        'Site=127.0.0.1:4000',
        '--summary-seconds',
        '3',
      ],
      {
        [FILE]: {
          targets: { Site: ['127.0.0.1:3000'], Api: ['127.0.0.1:3001'] },
          demoBackends: 2,
          ports: { offset: 10 },
          adminPort: 'off',
          summarySeconds: 0,
        },
      },
    );
    expect(a.options.demoBackends).toBe(5);
    expect(a.options.ports).toBe(0);
    expect(a.options.adminPort).toBe(9000);
    expect(a.options.targets).toEqual({ Site: ['127.0.0.1:4000'], Api: ['127.0.0.1:3001'] });
    expect(a.summarySeconds).toBe(3);
  });

  test('--port-offset overrides the file\'s "ports"', () => {
    expect(
      parseWith(['start', '--config', FILE, '--port-offset', '5'], { [FILE]: { ports: 0 } }).options.ports,
    ).toEqual({
      offset: 5,
    });
  });

  test("demo --config: the file's demoBackends replaces the demo default of 3", () => {
    expect(parseWith(['demo', '--config', FILE], { [FILE]: { demoBackends: 1 } }).options.demoBackends).toBe(1);
    expect(parseWith(['demo', '--config', FILE], { [FILE]: {} }).options.demoBackends).toBe(3);
  });

  test('without --config the defaults are unchanged', () => {
    const a = parseCli(['start']);
    expect(a.options).toEqual({
      demoBackends: 0,
      targets: {},
      ports: 'aws',
      adminPort: 8404,
      apiPort: 4566,
      dnsPort: 5300,
    });
    expect(a.summarySeconds).toBe(10);
  });

  test('a bad file fails parseCli with SIM_BAD_OPTION', () => {
    expect(() => parseWith(['start', '--config', FILE], { [FILE]: { adminPort: 'on' } })).toThrow(
      expect.objectContaining({ code: 'SIM_BAD_OPTION' }),
    );
  });
});

describe('config file: the CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ha-sim-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
    return { code, out, err };
  }

  test('a bad config file prints the error without a stack trace and exits 2', async () => {
    // given a file with a bad target address
    const file = path.join(dir, 'sim.json');
    writeFileSync(file, JSON.stringify({ targets: { Site: ['127.0.0.1'] } }));
    // when the CLI starts with it
    const r = await run(['start', 'cdk.out', '--config', file]);
    // then it exits 2 with the message and no stack
    expect(r.code).toBe(2);
    expect(r.err).toContain(`SIM_BAD_OPTION: ${file}: "targets.Site[0]" is "127.0.0.1"; expected "host:port"`);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  test('an unknown key exits 2 naming the key', async () => {
    const file = path.join(dir, 'sim.json');
    writeFileSync(file, JSON.stringify({ adminport: 8404 }));
    const r = await run(['demo', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}: unknown key "adminport" (value 8404); allowed keys:`);
  });

  test('--help documents --config and every key of the file', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--config FILE');
    for (const key of [
      'targets',
      'demoBackends',
      'ports',
      'host',
      'adminPort',
      'apiPort',
      'dnsPort',
      'accessLog',
      'summarySeconds',
    ])
      expect(r.out).toContain(`"${key}"`);
  });
});
