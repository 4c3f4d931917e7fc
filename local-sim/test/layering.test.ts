/**
 * docs/ARCHITECTURE.md: the layers of the simulator depend one way only. spec imports nothing; model
 * imports only spec; core imports only spec, model types and model lookups (by id and by DNS name); the shells (live, virtual,
 * cli) may import the rest; nothing in the simulator imports the construct library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SIM = path.join(ROOT, 'local-sim', 'src');
const SPEC = path.join(ROOT, 'spec', 'src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Import {
  readonly file: string;
  readonly from: string;
  readonly typeOnly: boolean;
}

function imports(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
    out.push({ file: path.relative(ROOT, file), from: m[3]!, typeOnly: m[2] !== undefined });
  }
  for (const m of text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push({ file: path.relative(ROOT, file), from: m[1]!, typeOnly: false });
  }
  return out;
}

/** The simulator layer a relative import of `file` lands in (or the package name of a bare import). */
function target(file: string, from: string): string {
  if (!from.startsWith('.')) return from;
  const resolved = path.relative(SIM, path.resolve(path.dirname(file), from));
  if (resolved.startsWith('..')) return path.relative(ROOT, path.resolve(path.dirname(file), from));
  return resolved.split(path.sep)[0]!;
}

function layerOf(file: string): string {
  return path.relative(SIM, file).split(path.sep)[0]!;
}

const all = files(SIM).flatMap((f) =>
  imports(f).map((i) => ({ ...i, layer: layerOf(f), to: target(f, i.from), abs: f })),
);

describe('layering (docs/ARCHITECTURE.md)', () => {
  test('spec imports nothing outside itself', () => {
    const outside = files(SPEC)
      .flatMap((f) => imports(f))
      .filter((i) => !i.from.startsWith('./'));
    expect(outside).toEqual([]);
  });

  test('model imports only spec (and Node built-ins)', () => {
    const bad = all.filter(
      (i) => i.layer === 'model' && ['core', 'live', 'virtual', 'cli', 'cli.ts', 'index.ts'].includes(i.to),
    );
    expect(bad).toEqual([]);
  });

  test('core imports only spec, model types and model lookups (by id, by zone name)', () => {
    const bad = all.filter((i) => {
      if (i.layer !== 'core') return false;
      if (['live', 'virtual', 'cli', 'cli.ts', 'index.ts'].includes(i.to)) return true;
      if (i.to === 'model') {
        const module = path.basename(i.from);
        return !(module === 'lookup' || module === 'zones' || (module === 'types' && i.typeOnly));
      }
      return false;
    });
    expect(bad.map((i) => `${i.file} → ${i.from}`)).toEqual([]);
  });

  test('live and virtual do not import each other or the CLI', () => {
    const bad = all.filter(
      (i) =>
        (i.layer === 'live' && ['virtual', 'cli', 'cli.ts'].includes(i.to)) ||
        (i.layer === 'virtual' && ['live', 'cli', 'cli.ts'].includes(i.to)),
    );
    expect(bad.map((i) => `${i.file} → ${i.from}`)).toEqual([]);
  });

  test('nothing in the simulator imports the construct library', () => {
    const bad = all.filter((i) => i.from === 'ha-load-balancer' || /(^|\/)lib(\/|$)/.test(i.to));
    expect(bad.map((i) => `${i.file} → ${i.from}`)).toEqual([]);
  });

  test('the check sees the imports it checks', () => {
    expect(all.filter((i) => i.layer === 'core' && i.from === '@ha-load-balancer/spec').length).toBeGreaterThan(5);
    expect(all.filter((i) => i.layer === 'live' && i.to === 'core').length).toBeGreaterThan(5);
  });
});
