/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`) by self time per function,
 * and by inclusive time for the functions named on the command line.
 *
 *   node dist/bench/prof-summary.js <file.cpuprofile> [--top 25] [--incl name1,name2]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: node dist/bench/prof-summary.js <file.cpuprofile> [--top N] [--incl a,b]');
  process.exit(1);
}
const top = Number(args[args.indexOf('--top') + 1]) || 25;
const incl = args.includes('--incl') ? args[args.indexOf('--incl') + 1].split(',') : [];
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// time per sample: delta to the next sample
const self = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) {
  const dt = (p.timeDeltas[i + 1] ?? 0) / 1000; // ms
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const label = (n: Node) => {
  const f = n.callFrame;
  const where = f.url ? f.url.replace(/^.*\/(dist|node_modules)\//, '$1/') + ':' + (f.lineNumber + 1) : '';
  return `${f.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
};
const agg = new Map<string, number>();
for (const [id, ms] of self) {
  const k = label(byId.get(id)!);
  agg.set(k, (agg.get(k) ?? 0) + ms);
}
console.log(`${file}: ${total.toFixed(0)} ms sampled`);
console.log('self time:');
for (const [k, ms] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms.toFixed(1).padStart(10)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`);
}
if (incl.length) {
  console.log('inclusive time:');
  for (const name of incl) {
    let ms = 0;
    for (const [id, t] of self) {
      // counted once per sample even under recursion
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        if (byId.get(cur)!.callFrame.functionName === name) {
          ms += t;
          break;
        }
      }
    }
    console.log(`${ms.toFixed(1).padStart(10)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
}
