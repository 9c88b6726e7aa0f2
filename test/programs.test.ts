// Real single-process programs, run natively and under `trapline run`:
// stdout, exit status and signal must be identical.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe as suite, test } from 'node:test';
import {
  compareRuns,
  describe,
  haveLauncher,
  run,
  runTrapline,
  skipWithout,
  stableEnv,
  tempDir,
} from './helpers.js';

const FIXED_TIME = new Date('2024-03-01T12:34:56Z');
let dir = '';
let data = '';

before(() => {
  dir = tempDir('programs');
  data = path.join(dir, 'data');
  mkdirSync(data);
  const files: Record<string, string> = {
    'alpha.txt': 'alpha\nbeta\ngamma\n',
    'numbers.txt': Array.from({ length: 200 }, (_, i) => `${(i * 7919) % 1009}`).join('\n') + '\n',
    'empty': '',
    'unicode.txt': 'zürich\nÅngström\nnaïve\n',
    'big.bin': Buffer.alloc(300_000, 0).fill('trapline-').toString('latin1'),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(data, name), content, 'latin1');
  mkdirSync(path.join(data, 'sub'));
  writeFileSync(path.join(data, 'sub', 'nested.txt'), 'nested\n');
  chmodSync(path.join(data, 'alpha.txt'), 0o640);
  for (const f of ['alpha.txt', 'numbers.txt', 'empty', 'unicode.txt', 'big.bin', 'sub/nested.txt', 'sub', '.']) {
    utimesSync(path.join(data, f), FIXED_TIME, FIXED_TIME);
  }
});

const extraEnv = stableEnv;

suite('coreutils', () => {
  test('ls -l of a fixed directory', (t) => {
    const { native } = compareRuns(t, '/bin/ls', ['-l', '--time-style=long-iso', data], { extraEnv });
    assert.match(native.stdout, /alpha\.txt/);
  });

  test('ls -laR', (t) => {
    compareRuns(t, '/bin/ls', ['-laR', '--time-style=+%s', data], { extraEnv });
  });

  test('cat of several files', (t) => {
    const files = ['alpha.txt', 'unicode.txt', 'numbers.txt', 'big.bin'].map((f) => path.join(data, f));
    const { native } = compareRuns(t, '/bin/cat', files, { extraEnv });
    assert.ok(native.stdout.length > 300_000);
  });

  test('cat from stdin', (t) => {
    compareRuns(t, '/bin/cat', [], { extraEnv, input: 'one\ntwo\nthree\n'.repeat(1000) });
  });

  test('sort a small input', (t) => {
    // --parallel=1: a single-threaded sort (threads are the next issue).
    const { native } = compareRuns(t, '/usr/bin/sort', ['-n', '--parallel=1', path.join(data, 'numbers.txt')], { extraEnv });
    assert.equal(native.stdout.split('\n')[0], '0');
  });

  test('sort from stdin', (t) => {
    compareRuns(t, '/usr/bin/sort', ['-r', '--parallel=1'], { extraEnv, input: 'pear\napple\nfig\nbanana\n' });
  });

  test('sha256sum', (t) => {
    const files = ['alpha.txt', 'empty', 'big.bin', 'sub/nested.txt'].map((f) => path.join(data, f));
    compareRuns(t, '/usr/bin/sha256sum', files, { extraEnv });
  });

  test('a failing command keeps its status and message', (t) => {
    const { native, traced } = compareRuns(t, '/bin/ls', [path.join(data, 'does-not-exist')], { extraEnv });
    assert.equal(native.status, 2);
    if (traced) assert.equal(traced.stderr, native.stderr);
  });
});

suite('tar', () => {
  test('create an archive, then list it', (t) => {
    const out = tempDir('tar');
    const a1 = path.join(out, 'native.tar');
    const a2 = path.join(out, 'trapline.tar');
    const tarArgs = (archive: string): string[] => [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=2024-01-01 00:00Z',
      '-cf',
      archive,
      '-C',
      data,
      '.',
    ];
    const native = run('/usr/bin/tar', tarArgs(a1), { extraEnv });
    assert.equal(native.status, 0, describe(native));
    if (!haveLauncher()) {
      t.skip('native only: trapline-exec is not built');
      return;
    }
    const traced = runTrapline([], '/usr/bin/tar', tarArgs(a2), { extraEnv });
    assert.equal(traced.status, 0, describe(traced));
    assert.equal(traced.signal, null, describe(traced));
    // Listing both archives natively must give the same result, and listing
    // under trapline must agree with listing natively.
    const l1 = run('/usr/bin/tar', ['-tvf', a1], { extraEnv });
    const l2 = run('/usr/bin/tar', ['-tvf', a2], { extraEnv });
    assert.equal(l1.status, 0, describe(l1));
    assert.equal(l2.stdout, l1.stdout, 'archives made natively and under trapline list differently');
    compareRuns(t, '/usr/bin/tar', ['-tvf', a2], { extraEnv });
    // And extracting it gives back the same bytes.
    const x = path.join(out, 'x');
    mkdirSync(x);
    const ex = runTrapline([], '/usr/bin/tar', ['-xf', a2, '-C', x], { extraEnv });
    assert.equal(ex.status, 0, describe(ex));
    const d1 = run('/usr/bin/sha256sum', [path.join(data, 'big.bin')], { extraEnv }).stdout.split(' ')[0];
    const d2 = run('/usr/bin/sha256sum', [path.join(x, 'big.bin')], { extraEnv }).stdout.split(' ')[0];
    assert.equal(d2, d1);
  });
});

suite('python3', () => {
  const python = '/usr/bin/python3';
  const script = `
import json, hashlib, sqlite3, sys, os
doc = {"name": "trapline", "values": list(range(10)), "nested": {"ok": True, "pi": 3.25}}
text = json.dumps(doc, sort_keys=True)
print(text)
print(json.loads(text) == doc)
print(hashlib.sha256(text.encode()).hexdigest())
print(hashlib.md5(b"abc").hexdigest(), hashlib.blake2b(b"abc", digest_size=16).hexdigest())
con = sqlite3.connect(":memory:")
con.execute("create table t (k integer primary key, v text)")
con.executemany("insert into t (v) values (?)", [(str(i * i),) for i in range(100)])
print(con.execute("select count(*), sum(length(v)), max(v) from t").fetchone())
with open(sys.argv[1], "rb") as f:
    print(len(f.read()))
print(sorted(os.listdir(os.path.dirname(sys.argv[1]))))
sys.exit(3)
`;
  test('json, hashlib and sqlite3 modules', (t) => {
    if (skipWithout(t, python)) return;
    const { native } = compareRuns(t, python, ['-c', script, path.join(data, 'big.bin')], {
      extraEnv: { ...extraEnv, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' },
    });
    assert.equal(native.status, 3);
    assert.match(native.stdout, /^True$/m);
  });

  test('an uncaught exception', (t) => {
    if (skipWithout(t, python)) return;
    const { native, traced } = compareRuns(t, python, ['-c', 'raise SystemExit("boom")'], { extraEnv });
    assert.equal(native.status, 1);
    if (traced) assert.equal(traced.stderr, native.stderr);
  });
});

suite('sqlite3 CLI', () => {
  const sql = `
create table fruit (id integer primary key, name text not null, price real);
insert into fruit (name, price) values ('apple', 1.25), ('pear', 2.5), ('fig', 4.0);
begin;
insert into fruit (name, price) select name || '-' || id, price * 2 from fruit;
commit;
.mode list
select count(*), sum(price) from fruit;
select name from fruit order by price desc, name limit 3;
pragma integrity_check;
`;
  test('a small script on an on-disk database', (t) => {
    if (skipWithout(t, '/usr/bin/sqlite3')) return;
    const out = tempDir('sqlite');
    const { native, traced } = compareRuns(t, '/usr/bin/sqlite3', [path.join(out, 'native.db')], {
      extraEnv,
      input: sql,
      traplineArgs: [path.join(out, 'trapline.db')],
    });
    assert.match(native.stdout, /^6\|23\.25$/m);
    if (traced) {
      // Both databases hold the same rows.
      const dump = (f: string): string => run('/usr/bin/sqlite3', [path.join(out, f), '.dump'], { extraEnv }).stdout;
      assert.equal(dump('trapline.db'), dump('native.db'));
    }
  });

  test('an in-memory database from stdin with an error', (t) => {
    if (skipWithout(t, '/usr/bin/sqlite3')) return;
    const { native } = compareRuns(t, '/usr/bin/sqlite3', ['-bail', ':memory:'], {
      extraEnv,
      input: "select 1 + 1;\nselect * from missing;\nselect 'not reached';\n",
    });
    assert.notEqual(native.status, 0);
  });
});

suite('shell', () => {
  const script = `#!/bin/sh
# Builtins only: no external command may run (exec is not supported yet).
total=0
count=0
while read -r name value; do
  if [ -z "$name" ]; then continue; fi
  total=$((total + value))
  count=$((count + 1))
  printf '%-8s %5d\\n' "$name" "$value"
done
test "$count" -eq 4 && echo "four lines"
i=0
while [ $i -lt 5 ]; do i=$((i + 1)); done
echo "total=$total count=$count i=$i"
case "$1" in
  fail) exit 7 ;;
esac
exit 0
`;
  let file = '';
  before(() => {
    file = path.join(tempDir('sh'), 'builtins.sh');
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  });
  const input = 'a 1\nb 20\n\nc 300\nd 4000\n';

  test('a #! script using builtins only', (t) => {
    const { native } = compareRuns(t, file, [], { extraEnv, input });
    assert.match(native.stdout, /total=4321 count=4 i=5/);
  });

  test('a #! script exiting non-zero', (t) => {
    const { native } = compareRuns(t, file, ['fail'], { extraEnv, input });
    assert.equal(native.status, 7);
  });

  test('an executable text file without #! is run by /bin/sh, as execvp does', (t) => {
    const f = path.join(tempDir('nohashbang'), 'plain-script');
    writeFileSync(f, 'echo "no hashbang: $# args, first=$1"\nexit 3\n');
    chmodSync(f, 0o755);
    const { native } = compareRuns(t, f, ['x', 'y'], { extraEnv });
    assert.equal(native.stdout, 'no hashbang: 2 args, first=x\n');
    assert.equal(native.status, 3);
  });

  test('sh -c with a builtin kill of itself dies by the signal', (t) => {
    const { native } = compareRuns(t, '/bin/sh', ['-c', 'echo before; kill -TERM $$; echo after'], { extraEnv });
    assert.equal(native.signal, 'SIGTERM');
  });
});
