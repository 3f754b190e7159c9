import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { parseDocument } from 'yaml';
import { ROOT } from '../support/processes.ts';

interface Service {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

function compose(): { services: Record<string, Service> } {
  const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const doc = parseDocument(text, { merge: true });
  assert.deepEqual(doc.errors, []);
  return doc.toJS({ maxAliasCount: 100 });
}

test('docker compose runs Redis, a coordinator, workers and the dashboard', () => {
  const { services } = compose();
  assert.deepEqual(Object.keys(services).sort(), [
    'coordinator',
    'dashboard',
    'redis',
    'worker',
  ]);
  const roles = {
    coordinator: 'run',
    worker: 'worker',
    dashboard: 'dashboard',
  };
  for (const [name, command] of Object.entries(roles)) {
    const service = services[name];
    assert.equal(service.build, '.');
    assert.equal(service.command?.[0], command);
    assert.equal(service.environment?.REDIS_URL, 'redis://redis:6379');
    assert.equal(service.depends_on?.redis.condition, 'service_healthy');
  }
  // The coordinator's spec ships in the image.
  const spec = services.coordinator.command?.[1] ?? '';
  assert.ok(existsSync(join(ROOT, spec)), `${spec} exists`);
});

test('docker gives a stopping worker longer than its grace period', () => {
  const { worker } = compose().services;
  const grace = Number(
    worker.command?.[worker.command.indexOf('--grace-ms') + 1],
  );
  const stop =
    Number(/^(\d+)s$/.exec(worker.stop_grace_period ?? '')?.[1]) * 1000;
  assert.ok(stop > grace, `${stop} ms > ${grace} ms`);
});

test('the image copies only folders that exist and runs the sweep command', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const copied = [...dockerfile.matchAll(/^COPY (\S+) /gm)].map((m) => m[1]);
  for (const path of copied) {
    for (const part of path.split(' '))
      assert.ok(existsSync(join(ROOT, part)), part);
  }
  assert.match(dockerfile, /^RUN npm ci/m);
  assert.match(dockerfile, /^ENTRYPOINT \["node", "bin\/sweep\.mjs"\]/m);
});

/** Files under `dir` whose name ends in one of `endings`. */
function sourceFiles(dir: string, endings: string[]): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => endings.some((ending) => file.endsWith(ending)))
    .map((file) => join(dir, file));
}

test('the image installs without dev dependencies: what the product imports is a dependency', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const runtime = new Set(Object.keys(pkg.dependencies));
  const files = ['bin', 'coordinator', 'workers', 'dashboard']
    .flatMap((dir) => sourceFiles(dir, ['.ts', '.mjs', '.js']))
    // AssemblyScript sources are compiled ahead of time, not imported.
    .filter((file) => !file.includes(join('wasm', 'assembly')))
    // The build script of that module is a development tool.
    .filter((file) => !file.endsWith(join('wasm', 'build.ts')));
  const imported = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    // The compiler's own scanner: static imports, `import()` and `export
    // from`, never text that merely looks like one.
    for (const { fileName: spec } of ts.preProcessFile(text, true, true)
      .importedFiles) {
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      imported.add(
        spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0],
      );
    }
  }
  assert.ok(imported.has('tsx'), 'bin/sweep.mjs registers tsx');
  const missing = [...imported].filter((name) => !runtime.has(name));
  assert.deepEqual(missing, [], 'imported but only a dev dependency');

  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^RUN npm ci --omit=dev/m);
});
