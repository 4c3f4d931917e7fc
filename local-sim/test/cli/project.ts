/** A throw-away CDK project (test/fixtures/project + the live fixture's template) in a temp folder. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
export const TEMPLATE = path.join(FIXTURES, 'live', 'cdk.out', 'LiveFixture.template.json');

export interface TempProject {
  readonly dir: string;
  remove(): void;
}

export function tempProject(): TempProject {
  const dir = mkdtempSync(path.join(tmpdir(), 'ha-sim-project-'));
  cpSync(path.join(FIXTURES, 'project'), dir, { recursive: true });
  cpSync(TEMPLATE, path.join(dir, 'template.json'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
