#!/usr/bin/env node
// Herald's benchmark harness: `pnpm bench [--quick] [--only <scenario>[,…]] [--profile]`.
// Starts a private nats-server per scenario, an HTTP sink process and the runner process,
// runs the scenarios, prints a table, compares with the targets and writes JSON + SVG to
// bench/results/. The exit code reports errors and lost deliveries, never timings.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart } from './lib/chart.mjs';
import { summarizeProfiles } from './lib/profile.mjs';
import { evaluateTargets, formatTable, markdownTable, resultRows } from './lib/report.mjs';
import { startSink } from './lib/sink-client.mjs';

const SCENARIOS = [
  'ceilings',
  'throughput',
  'latency',
  'fanout',
  'isolation',
  'scale',
  'log',
  'events',
  'broken-many',
  'backlog',
  'hostile',
  'peers',
];
/** Run only when asked (`--peers` or `--only peers`): not part of a plain or `--quick` run. */
const OPT_IN = ['peers'];
const USAGE = `usage: node bench/run.mjs [options]   (pnpm bench [options])
  --quick                  small sizes, under a minute, no targets evaluated
  --only <s>[,<s>…]        scenarios: ${SCENARIOS.join(', ')}
  --profile                run the runner under --cpu-prof; summary printed and saved
  --deliveries <n>         deliveries of the throughput scenario (default 100000, quick 2000)
  --hang-every <n>         isolation: every n-th integration hangs (default 10, i.e. 10 %)
  --hanging <n>            broken-many: hanging integrations (default 300, quick 20)
  --broken-seconds <s>     broken-many: seconds of events beside the hanging ones (default 120, quick 3)
  --backlog <n>            backlog: deliveries queued for the hanging integration (default 25000, quick 500)
  --hostile-seconds <s>    hostile: seconds of events beside the hostile endpoints (default 300, quick 10)
  --peers                  also run the BullMQ peer beside Herald (scenario peers; ~3.5 minutes)
  --peer-deliveries <n>    peers: deliveries of the throughput phase (default 30000, quick 2000)
  --peer-rate <n>          peers: events/s of the latency phase (default 500, quick 200)
  --peer-rounds <n>        peers: alternating rounds, medians reported (default 3, quick 1)
  --heap-snapshot          the throughput runner writes a heap snapshot once every delivery arrived
  --runner-env K=V         extra environment for the runner (repeatable), e.g. HERALD_MAX_IN_FLIGHT=1024
  --runner-node-arg=<arg>  extra node argument for the runner (repeatable), e.g.
                           --runner-node-arg=--require=./bench/experiments/nats-no-async-traces.cjs
`;
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function parseArgs(argv) {
  const args = {
    quick: false,
    only: null,
    profile: false,
    runnerEnv: {},
    runnerNodeArgs: [],
    deliveries: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    else if (a === '--quick') args.quick = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean);
    else if (a === '--runner-env' || a.startsWith('--runner-env=')) {
      const kv = a === '--runner-env' ? argv[++i] : a.slice('--runner-env='.length);
      const eq = kv.indexOf('=');
      args.runnerEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a.startsWith('--runner-node-arg=')) args.runnerNodeArgs.push(a.slice(18));
    else if (a === '--deliveries') args.deliveries = Number(argv[++i]);
    else if (a === '--heap-snapshot') args.heapSnapshot = true;
    else if (a === '--peers') args.peers = true;
    else if (a === '--peer-deliveries') args.peerDeliveries = Number(argv[++i]);
    else if (a === '--peer-rate') args.peerRate = Number(argv[++i]);
    else if (a === '--peer-rounds') args.peerRounds = Number(argv[++i]);
    else if (a === '--hang-every') args.hangEvery = Number(argv[++i]);
    else if (a === '--hanging') args.hanging = Number(argv[++i]);
    else if (a === '--broken-seconds') args.brokenSeconds = Number(argv[++i]);
    else if (a === '--backlog') args.backlog = Number(argv[++i]);
    else if (a === '--hostile-seconds') args.hostileSeconds = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const s of args.only ?? [])
    if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; one of ${SCENARIOS.join(', ')}`);
  return args;
}

const args = parseArgs(process.argv.slice(2));
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const runName = `${stamp}${args.quick ? '-quick' : ''}`;
mkdirSync(RESULTS, { recursive: true });
const started = performance.now();
const loadAverageAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
const log = (msg) =>
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

const sink = await startSink();
const ctx = {
  quick: args.quick,
  profile: args.profile,
  runnerEnv: args.runnerEnv,
  runnerNodeArgs: args.runnerNodeArgs,
  deliveries: args.deliveries,
  heapSnapshot: args.heapSnapshot ?? false,
  hangEvery: args.hangEvery ?? null,
  hanging: args.hanging ?? null,
  brokenSeconds: args.brokenSeconds ?? null,
  backlog: args.backlog ?? null,
  hostileSeconds: args.hostileSeconds ?? null,
  peerDeliveries: args.peerDeliveries ?? null,
  peerRate: args.peerRate ?? null,
  peerRounds: args.peerRounds ?? null,
  sink,
  log,
  profileDir: (name) => join(RESULTS, 'profiles', runName, name),
};
const results = {};
const errors = [];
const selected = SCENARIOS.filter((s) =>
  args.only ? args.only.includes(s) || (args.peers && OPT_IN.includes(s)) : !OPT_IN.includes(s) || args.peers,
);
try {
  for (const name of selected) {
    log(`scenario ${name}${args.quick ? ' (quick)' : ''}`);
    const t = performance.now();
    try {
      const { run } = await import(`./scenarios/${name}.mjs`);
      results[name] = await run(ctx);
      results[name].scenarioSeconds = Math.round((performance.now() - t) / 100) / 10;
      if (results[name].complete === false) errors.push(`${name}: not every delivery arrived`);
    } catch (err) {
      errors.push(`${name}: ${err.stack ?? err}`);
      log(`scenario ${name} failed: ${err.stack ?? err}`);
    }
  }
} finally {
  await sink.stop();
}

const targets = args.quick ? [] : evaluateTargets(results);
const rows = resultRows(results);
const meta = {
  date: new Date().toISOString(),
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  runnerEnv: args.runnerEnv,
  runnerNodeArgs: args.runnerNodeArgs,
  quick: args.quick,
  node: process.version,
  natsServer: spawnSync('nats-server', ['--version']).stdout?.toString().trim(),
  // Read-only: which code was measured (others edit the tree while the bench runs).
  gitHead: spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  })
    .stdout?.toString()
    .trim(),
  gitDirtyFiles: spawnSync('git', ['status', '--porcelain', '--', 'packages'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  })
    .stdout?.toString()
    .split('\n')
    .filter(Boolean).length,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  loadAverageAtStart,
  loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
  seconds: Math.round((performance.now() - started) / 1000),
};
if (args.profile) results.profiles = summarizeProfiles(join(RESULTS, 'profiles', runName));
const json = { meta, results, targets, errors };
writeFileSync(join(RESULTS, `${runName}.json`), `${JSON.stringify(json, null, 2)}\n`);
writeFileSync(
  join(RESULTS, `${runName}.svg`),
  renderChart(
    results,
    targets,
    `Herald bench ${runName} — ${meta.cpus} cores, load at start ${loadAverageAtStart[0]}`,
  ),
);
writeFileSync(
  join(RESULTS, `${runName}.md`),
  `${markdownTable(['scenario', 'measure', 'result'], rows)}\n\n${
    targets.length
      ? markdownTable(
          ['target', 'measured', 'limit', 'pass', 'note'],
          targets.map((t) => [
            t.name,
            t.display ?? `${t.value} ${t.unit}`,
            t.limit,
            t.pass ? 'pass' : 'MISS',
            t.note,
          ]),
        )
      : ''
  }\n`,
);
const latest = args.quick ? 'latest-quick' : args.only ? 'latest-partial' : 'latest';
for (const ext of ['json', 'svg', 'md'])
  copyFileSync(join(RESULTS, `${runName}.${ext}`), join(RESULTS, `${latest}.${ext}`));

process.stdout.write(`\n${formatTable(['scenario', 'measure', 'result'], rows)}\n\n`);
if (targets.length) {
  process.stdout.write(
    `${formatTable(
      ['target', 'measured', 'limit', 'result', 'note'],
      targets.map((t) => [
        t.name,
        t.display ?? `${t.value} ${t.unit}`,
        t.limit,
        t.pass ? 'pass' : 'MISS',
        t.note,
      ]),
    )}\n\n`,
  );
} else if (args.quick) {
  process.stdout.write('quick run: sizes are too small for the targets; none are evaluated.\n\n');
}
if (results.profiles) {
  for (const [name, p] of Object.entries(results.profiles)) {
    process.stdout.write(`CPU profile of the runner in ${name} (self time, top 15):\n`);
    for (const f of p.top.slice(0, 15))
      process.stdout.write(`  ${String(f.percent).padStart(5)} %  ${f.frame}\n`);
    process.stdout.write(`  by area: ${p.byArea.map((a) => `${a.area} ${a.percent} %`).join(', ')}\n\n`);
  }
}
process.stdout.write(
  `results: bench/results/${runName}.{json,svg,md} (also ${latest}.*), ${meta.seconds} s\n`,
);
if (errors.length) {
  process.stdout.write(`\n${errors.length} error(s):\n${errors.map((e) => `  - ${e}`).join('\n')}\n`);
  process.exitCode = 1;
}
