// One throughput table from the benchmark's JSON files: a row per network and place (native, browser),
// a column per engine in samples/s (its best, where several files of a place measured it), and our
// best engine's ratio to the best reference in that row.
//
// Usage: node tests/bench/table.mjs PLACE=FILE...   e.g. native=target/bench/native.json keras... see scripts/bench.sh
//   Each FILE holds a JSON array or JSON lines of {engine, model, batch, samples_per_sec, error?}.
//   Engines named rust-* are ours; every other engine is a reference.
import { readFileSync, existsSync } from 'node:fs';

const MODELS = ['mlp', 'cnn', 'cnn-seed'];

/** The rows in `file`: a JSON array, or one JSON object per line. */
export function readRows(file) {
  const text = readFileSync(file, 'utf8').trim();
  if (!text) return [];
  if (text.startsWith('[')) return JSON.parse(text);
  return text.split('\n').filter((line) => line.trim().startsWith('{')).map((line) => JSON.parse(line));
}

/** { place: [rows] } into printable lines. */
export function table(byPlace) {
  const places = Object.keys(byPlace);
  const engines = [];
  for (const place of places) {
    for (const row of byPlace[place]) if (!engines.includes(row.engine)) engines.push(row.engine);
  }
  const ours = (engine) => engine.startsWith('rust-');
  engines.sort((a, b) => Number(ours(b)) - Number(ours(a)));
  const header = ['place', 'model', 'batch', ...engines, 'ours / best reference'];
  const lines = [];
  for (const place of places) {
    for (const model of MODELS) {
      const rows = byPlace[place].filter((r) => r.model === model);
      if (rows.length === 0) continue;
      // An engine measured in several rounds (several files of one place) shows its best.
      const rate = (engine) => {
        const rates = rows.filter((r) => r.engine === engine && !r.error && r.samples_per_sec > 0).map((r) => r.samples_per_sec);
        return rates.length ? Math.max(...rates) : null;
      };
      const best = (pick) => engines.filter(pick).map((e) => [e, rate(e)]).filter(([, v]) => v !== null)
        .sort((a, b) => b[1] - a[1])[0];
      const [ourEngine, ourRate] = best(ours) ?? [];
      const [refEngine, refRate] = best((e) => !ours(e)) ?? [];
      const ratio = ourRate && refRate ? `${(ourRate / refRate).toFixed(2)}x (${ourEngine} / ${refEngine})` : '-';
      lines.push([place, model, String(rows[0].batch), ...engines.map((e) => {
        const v = rate(e);
        return v === null ? (rows.some((r) => r.engine === e) ? 'failed' : '') : Math.round(v).toLocaleString('en-US');
      }), ratio]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((c, i) => (i >= 3 && i < header.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)];
}

function main(args) {
  const byPlace = {};
  for (const arg of args) {
    const [place, file] = arg.split('=');
    if (!file) throw new Error(`expected PLACE=FILE, got ${arg}`);
    if (!existsSync(file)) {
      process.stderr.write(`[table] ${file} is missing; ${place} figures left out\n`);
      continue;
    }
    (byPlace[place] ??= []).push(...readRows(file));
  }
  for (const line of table(byPlace)) console.log(line);
}

if (process.argv[1] && process.argv[1].endsWith('table.mjs')) main(process.argv.slice(2));
