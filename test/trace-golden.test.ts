// The decoder against checked-in expectations: each test/golden/NAME.input.json
// describes a trace stream (see trace-writer.ts) and the `show` options of
// each view; NAME.VIEW.txt is what `trapline show` must print.
// `npm run golden:update` rewrites the expectations (review the diff).
// strace-lines.o-f.txt is different: lines of real `strace -f -o` runs
// (the last four arranged to show interleaving), which the decoder must
// reproduce byte for byte from records carrying the same values.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kindsOf } from '../src/trace/syscall-table.js';
import { root, run, tempDir } from './helpers.js';
import { writeStream, type StreamSpec } from './trace-writer.js';

const goldenDir = path.join(root, 'test', 'golden');
const cliJs = path.join(root, 'dist', 'src', 'cli.js');
const update = process.env.GOLDEN_UPDATE === '1';
const work = tempDir('golden');

interface GoldenInput extends StreamSpec {
  views: Record<string, string[]>;
}

const inputs = readdirSync(goldenDir).filter((f) => f.endsWith('.input.json')).sort();

for (const file of inputs) {
  const name = file.replace(/\.input\.json$/, '');
  const spec = JSON.parse(readFileSync(path.join(goldenDir, file), 'utf8')) as GoldenInput;
  const stream = path.join(work, `${name}.tltrace`);
  writeFileSync(stream, writeStream(spec));
  for (const [view, args] of Object.entries(spec.views)) {
    test(`golden ${name}.${view}: trapline show ${args.join(' ')}`, () => {
      // Views named o-*: through -o, as strace -o (with -f every line starts
      // with its pid); the others as printed on stderr (`[pid N]`).
      const out = path.join(work, `${name}.${view}.out`);
      const toFile = view.startsWith('o-');
      const r = run(process.execPath, [cliJs, 'show', ...args, ...(toFile ? ['-o', out] : []), stream], { extraEnv: { TZ: 'UTC' } });
      assert.equal(r.status, 0, r.stderr);
      if (toFile) assert.equal(r.stderr, '');
      const got = toFile ? readFileSync(out, 'utf8') : r.stderr;
      const expectedFile = path.join(goldenDir, `${name}.${view}.txt`);
      if (update) writeFileSync(expectedFile, got);
      assert.equal(got, readFileSync(expectedFile, 'utf8'));
    });
  }
}

test('the golden inputs decode at least 100 different syscalls, each with its table arguments', () => {
  const names = new Set<string>();
  for (const file of inputs) {
    const spec = JSON.parse(readFileSync(path.join(goldenDir, file), 'utf8')) as GoldenInput;
    for (const r of spec.records) if ('syscall' in r && kindsOf(r.syscall, false).length > 0) names.add(r.syscall);
  }
  assert.ok(names.size >= 100, `only ${names.size} syscalls`);
});
