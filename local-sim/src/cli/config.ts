/**
 * `ha-sim start|demo --config sim.json`: the same settings as the command-line flags, in a JSON file.
 *
 *   {
 *     "targets": { "<target group>": ["host:port", "host:port@us-east-1b", ...] },
 *     "demoBackends": 2,
 *     "ports": "aws" | 0 | { "offset": 10 },
 *     "host": "127.0.0.1",
 *     "adminPort": 8404 | "off",
 *     "adminHost": "127.0.0.1",
 *     "apiPort": 4566 | "off",
 *     "dnsPort": 5300 | "off",
 *     "accessLog": "-" | "file",
 *     "summarySeconds": 10,
 *     "testIdpPort": 0 | "off",
 *     "trustStores": { "<trust store>": "ca.pem" },
 *     "processes": { "<target group>": { "command": "node server.js", "instances": 2, "portEnv": "PORT" } }
 *   }
 *
 * Every key is optional; unknown keys and wrong types are errors (`SIM_BAD_OPTION`) naming the file, the
 * key, the value and what is allowed. Parsing and merging are pure; only `readConfigFile` touches disk.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SimulatorError } from '../errors';
import { MAX_PORT, type PortMode } from '../live/ports';
import type { TargetProcessSpec } from '../live/target-process';

/** A validated config file (every key optional, as in the file). */
export interface SimConfigFile {
  readonly targets?: Readonly<Record<string, readonly string[]>>;
  readonly demoBackends?: number;
  readonly ports?: PortMode;
  readonly host?: string;
  readonly adminPort?: number | false;
  readonly adminHost?: string;
  readonly apiPort?: number | false;
  readonly dnsPort?: number | false;
  readonly accessLog?: string;
  readonly summarySeconds?: number;
  readonly processes?: Readonly<Record<string, TargetProcessSpec>>;
  readonly workers?: number;
  readonly testIdpPort?: number | false;
  /** Trust store → PEM file (relative to the config file when read from one). */
  readonly trustStores?: Readonly<Record<string, string>>;
}

/** Most load-balancer node processes (`--workers`): a typo guard, not an AWS limit. */
export const MAX_WORKERS = 64;

/** The keys a config file may have, with what each allows (used in error messages and `--help`). */
export const CONFIG_KEYS = {
  targets: 'an object mapping a target group to an array of "host:port" or "host:port@zone" strings',
  demoBackends: 'a non-negative integer',
  ports: '"aws", 0, or { "offset": <non-negative integer> }',
  host: 'a non-empty string (bind address)',
  adminPort: 'an integer 0-65535 or "off"',
  adminHost: 'a non-empty string (bind address of the admin port)',
  apiPort: 'an integer 0-65535 or "off"',
  dnsPort: 'an integer 0-65535 or "off"',
  accessLog: 'a file name or "-" (stdout)',
  summarySeconds: 'a non-negative integer',
  workers: `an integer 1-${MAX_WORKERS} (load-balancer node processes)`,
  testIdpPort: 'an integer 0-65535 or "off"',
  trustStores: 'an object mapping a trust store (name, logical id, construct path or ARN) to a PEM file',
  processes:
    'an object mapping a target group to { "command": "<shell command>", "instances"?: 1-100, "portEnv"?: "PORT", "cwd"?: "<dir>", "env"?: { "NAME": "value" } }',
} as const;

/** Most processes one target group may start (a typo guard, not an AWS limit). */
const MAX_INSTANCES = 100;

function parseProcessSpec(file: string, key: string, value: unknown): TargetProcessSpec {
  const allowed = CONFIG_KEYS.processes;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(file, key, value, allowed);
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!['command', 'instances', 'portEnv', 'cwd', 'env'].includes(k)) throw bad(file, `${key}.${k}`, v[k], allowed);
  }
  if (typeof v.command !== 'string' || v.command.trim() === '')
    throw bad(file, `${key}.command`, v.command, 'a non-empty shell command');
  if (v.instances !== undefined && !(isNonNegativeInt(v.instances) && v.instances >= 1 && v.instances <= MAX_INSTANCES))
    throw bad(file, `${key}.instances`, v.instances, `an integer 1-${MAX_INSTANCES}`);
  if (v.portEnv !== undefined && (typeof v.portEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.portEnv)))
    throw bad(file, `${key}.portEnv`, v.portEnv, 'an environment variable name');
  if (v.cwd !== undefined && (typeof v.cwd !== 'string' || v.cwd === ''))
    throw bad(file, `${key}.cwd`, v.cwd, 'a directory');
  if (
    v.env !== undefined &&
    (typeof v.env !== 'object' ||
      v.env === null ||
      Array.isArray(v.env) ||
      Object.values(v.env).some((x) => typeof x !== 'string'))
  )
    throw bad(file, `${key}.env`, v.env, 'an object of string values');
  return {
    command: v.command,
    ...(v.instances !== undefined ? { instances: v.instances as number } : {}),
    ...(v.portEnv !== undefined ? { portEnv: v.portEnv as string } : {}),
    ...(v.cwd !== undefined ? { cwd: v.cwd as string } : {}),
    ...(v.env !== undefined ? { env: v.env as Record<string, string> } : {}),
  };
}

/**
 * `host:port` or `[v6]:port` with a port 1-65535, optionally `@<Availability Zone>` (`127.0.0.1:3000@us-east-1a`,
 * or `@all`): the form `--targets` and the config file accept.
 */
export function isHostPort(text: string): boolean {
  const m = /^(\[[^\]\s]+\]|[^:\s[\]@]+):(\d{1,5})(@[a-z0-9-]+)?$/.exec(text);
  if (!m) return false;
  const port = Number(m[2]);
  return port >= 1 && port <= MAX_PORT;
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function bad(file: string, key: string, value: unknown, allowed: string): SimulatorError {
  return new SimulatorError('SIM_BAD_OPTION', `${file}: "${key}" is ${show(value)}; expected ${allowed}`);
}

const isNonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * Parse and validate the text of a config file. `file` is the name used in error messages.
 * Throws SimulatorError('SIM_BAD_OPTION').
 */
export function parseConfig(text: string, file: string): SimConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SimulatorError('SIM_BAD_OPTION', `${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SimulatorError(
      'SIM_BAD_OPTION',
      `${file}: the file holds ${show(raw)}; expected a JSON object with keys ${Object.keys(CONFIG_KEYS).join(', ')}`,
    );
  }
  const obj = raw as Record<string, unknown>;
  const out: {
    -readonly [K in keyof SimConfigFile]: SimConfigFile[K];
  } = {};
  for (const [key, value] of Object.entries(obj)) {
    switch (key) {
      case 'targets': {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw bad(file, key, value, CONFIG_KEYS.targets);
        const targets: Record<string, string[]> = {};
        for (const [tg, addrs] of Object.entries(value as Record<string, unknown>)) {
          if (tg === '') throw bad(file, 'targets', value, 'target group names that are not empty');
          if (!Array.isArray(addrs)) throw bad(file, `targets.${tg}`, addrs, 'an array of "host:port" strings');
          addrs.forEach((a, i) => {
            if (typeof a !== 'string' || !isHostPort(a))
              throw bad(
                file,
                `targets.${tg}[${i}]`,
                a,
                '"host:port" with a port 1-65535, optionally "@zone" (e.g. "127.0.0.1:3000" or "127.0.0.1:3000@us-east-1a")',
              );
          });
          targets[tg] = [...(addrs as string[])];
        }
        out.targets = targets;
        break;
      }
      case 'processes': {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw bad(file, key, value, CONFIG_KEYS.processes);
        const processes: Record<string, TargetProcessSpec> = {};
        for (const [tg, spec] of Object.entries(value as Record<string, unknown>)) {
          processes[tg] = parseProcessSpec(file, `processes.${tg}`, spec);
        }
        out.processes = processes;
        break;
      }
      case 'demoBackends':
      case 'summarySeconds':
        if (!isNonNegativeInt(value)) throw bad(file, key, value, CONFIG_KEYS[key]);
        out[key] = value;
        break;
      case 'ports':
        if (value === 'aws' || value === 0) out.ports = value;
        else if (
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length === 1 &&
          isNonNegativeInt((value as { offset?: unknown }).offset)
        )
          out.ports = { offset: (value as { offset: number }).offset };
        else throw bad(file, key, value, CONFIG_KEYS.ports);
        break;
      case 'host':
      case 'adminHost':
        if (typeof value !== 'string' || value.trim() === '' || /\s/.test(value))
          throw bad(file, key, value, CONFIG_KEYS[key]);
        out[key] = value;
        break;
      case 'adminPort':
      case 'apiPort':
      case 'dnsPort':
      case 'testIdpPort':
        if (value === 'off') out[key] = false;
        else if (isNonNegativeInt(value) && value <= MAX_PORT) out[key] = value;
        else throw bad(file, key, value, CONFIG_KEYS[key]);
        break;
      case 'trustStores': {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw bad(file, key, value, CONFIG_KEYS.trustStores);
        const stores: Record<string, string> = {};
        for (const [name, pem] of Object.entries(value as Record<string, unknown>)) {
          if (typeof pem !== 'string' || pem === '') throw bad(file, `trustStores.${name}`, pem, 'a file name');
          stores[name] = pem;
        }
        out.trustStores = stores;
        break;
      }
      case 'workers':
        if (!isNonNegativeInt(value) || value < 1 || value > MAX_WORKERS)
          throw bad(file, key, value, CONFIG_KEYS.workers);
        out.workers = value;
        break;
      case 'accessLog':
        if (typeof value !== 'string' || value === '') throw bad(file, key, value, CONFIG_KEYS.accessLog);
        out.accessLog = value;
        break;
      default:
        throw new SimulatorError(
          'SIM_BAD_OPTION',
          `${file}: unknown key "${key}" (value ${show(value)}); allowed keys: ${Object.keys(CONFIG_KEYS).join(', ')}`,
        );
    }
  }
  return out;
}

/** Read and validate a config file. A missing or unreadable file is SIM_BAD_OPTION too. */
export function readConfigFile(
  file: string,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): SimConfigFile {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SimulatorError(
      'SIM_BAD_OPTION',
      `--config ${file}: cannot read the file (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`,
    );
  }
  const parsed = parseConfig(text, file);
  const base = path.dirname(path.resolve(file));
  // trust store files are relative to the config file
  const config = parsed.trustStores
    ? {
        ...parsed,
        trustStores: Object.fromEntries(Object.entries(parsed.trustStores).map(([n, f]) => [n, path.resolve(base, f)])),
      }
    : parsed;
  if (!config.processes) return config;
  // A process's working directory is relative to the config file (by default, its folder).
  const processes = Object.fromEntries(
    Object.entries(config.processes).map(([tg, spec]) => [tg, { ...spec, cwd: path.resolve(base, spec.cwd ?? '.') }]),
  );
  return { ...config, processes };
}

/**
 * File settings overridden by command-line ones (`flags` holds only what was given on the command line).
 * `targets` merge per target group: a `--targets TG=...` flag replaces that group's list from the file
 * and leaves the file's other groups in place.
 */
export function mergeConfig(file: SimConfigFile, flags: SimConfigFile): SimConfigFile {
  const targets = file.targets || flags.targets ? { ...file.targets, ...flags.targets } : undefined;
  const trustStores = file.trustStores || flags.trustStores ? { ...file.trustStores, ...flags.trustStores } : undefined;
  const merged: SimConfigFile = { ...file, ...definedOnly(flags) };
  return { ...merged, ...(targets ? { targets } : {}), ...(trustStores ? { trustStores } : {}) };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
