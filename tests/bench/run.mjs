// Benchmark runner: serves a benchmark page on loopback, opens it in headless Chromium, prints and saves its samples/s.
//
// Usage: node tests/bench/run.mjs [[--name NAME] --page PAGE]... [--timeout SECONDS]
//   PAGE is a file with an optional query (tests/bench/tfjs.html?backends=webgl,cpu, dist/index.html?bench=mlp),
//   served from its own directory, or a full http(s) URL opened as is. Default: tests/bench/tfjs.html.
//   Each page must write a JSON array of {engine, model, batch, steps, samples_per_sec, error?} into
//   <pre id="bench-results"> and then set document.body.dataset.done = "1".
//   Results go to target/bench/<name>.json (tfjs.json for tfjs.html; for an index.html, its directory's name;
//   --name NAME before a --page names its file).
import { createServer } from 'node:http';
import { readFile, mkdir, writeFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '..', '..');
const outDir = join(projectRoot, 'target', 'bench');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves the directory `root` on 127.0.0.1 at a free port; resolves to { url, close }. */
export function serve(root) {
  const base = normalize(root + sep);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(base)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      response.end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      done({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((closed) => server.close(closed)) });
    });
  });
}

/** Launches Debian's Chromium headless with WebGPU on and no network chatter. */
export function launch(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Opens `url` in a new page of `browser`, waits for document.body.dataset.done === "1" and returns the parsed
 * JSON array from #bench-results. Page log lines starting with "[bench]" and page errors go to stderr.
 */
export async function runPage(browser, url, { timeoutMs = 300_000 } = {}) {
  const page = await browser.newPage();
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith('[bench]') || message.type() === 'error') process.stderr.write(`  ${text}\n`);
  });
  page.on('pageerror', (error) => process.stderr.write(`  page error: ${error}\n`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => document.body?.dataset.done === '1', null, { timeout: timeoutMs, polling: 250 });
    return JSON.parse(await page.locator('#bench-results').textContent());
  } finally {
    await page.close();
  }
}

/** Splits a --page argument into what to serve and what to open: { root, path, name } or { url, name }. */
async function resolvePage(spec) {
  if (/^https?:\/\//.test(spec)) {
    return { url: spec, name: basename(new URL(spec).pathname, extname(new URL(spec).pathname)) || 'page' };
  }
  const [filePart, ...rest] = spec.split('?');
  const query = rest.length ? `?${rest.join('?')}` : '';
  let file = resolve(process.cwd(), filePart);
  try {
    await stat(file);
  } catch {
    file = resolve(projectRoot, filePart);
    await stat(file);
  }
  const stem = basename(file, extname(file));
  return { root: dirname(file), path: `${basename(file)}${query}`, name: stem === 'index' ? basename(dirname(file)) : stem };
}

function printTable(rows) {
  const header = ['engine', 'model', 'batch', 'steps', 'samples/s', 'error'];
  const lines = rows.map((r) => [r.engine, r.model, String(r.batch), String(r.steps),
    r.error && !r.samples_per_sec ? '-' : Number(r.samples_per_sec).toFixed(1), r.error ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((c, i) => (i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

async function main(argv) {
  const pages = [];
  let timeoutMs = 300_000;
  let name = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--page') {
      pages.push({ spec: argv[++i], name });
      name = null;
    } else if (argv[i] === '--name') name = argv[++i];
    else if (argv[i] === '--timeout') timeoutMs = Number(argv[++i]) * 1000;
    else throw new Error(`unknown argument ${argv[i]} (use --name NAME, --page PAGE, --timeout SECONDS)`);
  }
  if (pages.length === 0) pages.push({ spec: join(here, 'tfjs.html'), name: null });

  await mkdir(outDir, { recursive: true });
  const browser = await launch();
  const all = [];
  try {
    for (const { spec, name } of pages) {
      const target = await resolvePage(spec);
      if (name) target.name = name;
      const server = target.root ? await serve(target.root) : null;
      try {
        const url = target.url ?? `${server.url}${target.path}`;
        // Other work on the machine skews these figures: show the load next to them.
        process.stderr.write(`opening ${url} (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n`);
        const started = Date.now();
        const rows = await runPage(browser, url, { timeoutMs });
        process.stderr.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        const out = join(outDir, `${target.name}.json`);
        await writeFile(out, `${JSON.stringify(rows, null, 2)}\n`);
        process.stderr.write(`  wrote ${out}\n`);
        all.push(...rows);
      } finally {
        await server?.close();
      }
    }
  } finally {
    await browser.close();
  }
  printTable(all);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
