/**
 * ARCHITECTURE.md rule 3: the core is pure. No I/O modules, no wall clock, no ambient randomness, no timers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const CORE = path.join(__dirname, '../../src/core');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const FORBIDDEN: [string, RegExp][] = [
  [
    'I/O module import',
    /from\s+['"](node:)?(net|http|https|http2|tls|dgram|fs|fs\/promises|child_process|dns|undici)['"]/,
  ],
  [
    'require of an I/O module',
    /require\(\s*['"](node:)?(net|http|https|http2|tls|dgram|fs|child_process|dns|undici)['"]\s*\)/,
  ],
  ['Date.now()', /Date\.now\s*\(/],
  ['Math.random()', /Math\.random\s*\(/],
  ['setTimeout', /\bsetTimeout\s*\(/],
  ['setInterval', /\bsetInterval\s*\(/],
  ['new Date() without an argument', /new Date\(\s*\)/],
];

describe('core purity (ARCHITECTURE.md rule 3)', () => {
  const all = files(CORE);

  test('the core folder has modules to check', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  test.each(all.map((f) => [path.relative(CORE, f), f]))(
    '%s uses no I/O, wall clock, ambient randomness or timers',
    (_name, file) => {
      const text = fs
        .readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      const found = FORBIDDEN.filter(([, re]) => re.test(text)).map(([what]) => what);
      expect(found).toEqual([]);
    },
  );
});
