// Reference benchmark body for tfjs.html: times TF.js training per backend and ConvNetJS training on the same random data.
/* global tf, convnetjs */

const params = new URLSearchParams(location.search);
const list = (name, fallback) => (params.get(name) ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
const num = (name, fallback) => (params.has(name) ? Number(params.get(name)) : fallback);

const BACKENDS = list('backends', 'webgpu,webgl,cpu,convnetjs');
const MODELS = list('models', 'mlp,cnn,cnn-seed');
const WARMUP = num('warmup', 3);
const MIN_STEPS = num('minSteps', 10);
const MIN_SECONDS = num('minSeconds', 2);
// Safety cap for very slow cases: stop once this much time has passed, even below minSteps.
const MAX_SECONDS = num('maxSeconds', 20);

const INPUT = 784;
const CLASSES = 10;
const BATCH = { mlp: 256, cnn: 64, 'cnn-seed': 64 };
// The two convolutions' filters: the small CNN, and the seeds' CNN four times wider.
const FILTERS = { cnn: [8, 16], 'cnn-seed': [32, 64] };
const LEARNING_RATE = 1e-3;

const logPre = document.getElementById('bench-log');
function log(message) {
  logPre.textContent += `${message}\n`;
  console.log(`[bench] ${message}`);
}

/** Deterministic PRNG (mulberry32), so every engine sees the same random data. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One batch of random inputs in [0, 1) and random labels, shared by all engines. */
function randomBatch(batch, seed) {
  const rand = mulberry32(seed);
  const xs = new Float32Array(batch * INPUT);
  for (let i = 0; i < xs.length; i++) xs[i] = rand();
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = Math.floor(rand() * CLASSES);
  return { xs, labels };
}
const DATA = { mlp: randomBatch(BATCH.mlp, 1), cnn: randomBatch(BATCH.cnn, 2), 'cnn-seed': randomBatch(BATCH['cnn-seed'], 3) };

/**
 * Runs `warmup` untimed steps, then timed steps until at least MIN_SECONDS and MIN_STEPS have passed.
 * `step()` starts one training step and returns a handle; `sync(handle)` resolves once that step's work
 * (and so all work queued before it) has completed. Steps are issued in chunks between syncs so a GPU
 * backend is not forced to drain its queue after every step.
 */
async function measure(step, sync) {
  let t = 0;
  for (let i = 0; i < WARMUP; i++) {
    const start = performance.now();
    await sync(step());
    t = (performance.now() - start) / 1000;
  }
  const chunk = Math.max(1, Math.min(32, t > 0 ? Math.floor(0.25 / t) : 1));
  let steps = 0;
  let elapsed = 0;
  const start = performance.now();
  for (;;) {
    let handle;
    for (let i = 0; i < chunk; i++) {
      handle = step(handle);
      steps++;
    }
    const lastLoss = await sync(handle);
    elapsed = (performance.now() - start) / 1000;
    if ((elapsed >= MIN_SECONDS && steps >= MIN_STEPS) || elapsed >= MAX_SECONDS) {
      return { steps, seconds: elapsed, lastLoss };
    }
  }
}

function buildTfModel(model) {
  if (model === 'mlp') {
    return tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [INPUT], units: 128, activation: 'relu' }),
        tf.layers.dense({ units: CLASSES }),
      ],
    });
  }
  const [first, second] = FILTERS[model];
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: first, kernelSize: 3, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: second, kernelSize: 3, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES }),
    ],
  });
}

/** TF.js: Adam through optimizer.minimize; the loss of the last step of each chunk is read back. */
async function benchTf(model) {
  const batch = BATCH[model];
  const { xs: xData, labels } = DATA[model];
  const net = buildTfModel(model);
  const optimizer = tf.train.adam(LEARNING_RATE);
  const xs = model === 'mlp' ? tf.tensor2d(xData, [batch, INPUT]) : tf.tensor4d(xData, [batch, 28, 28, 1]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat());
  const vars = net.trainableWeights.map((w) => w.read());
  try {
    const step = (previous) => {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, net.apply(xs, { training: true })), true, vars);
      previous?.dispose();
      return loss;
    };
    const sync = async (loss) => {
      const [value] = await loss.data();
      loss.dispose();
      return value;
    };
    return await measure(step, sync);
  } finally {
    net.dispose();
    optimizer.dispose();
    xs.dispose();
    ys.dispose();
  }
}

function buildConvnet(model) {
  const layers = model === 'mlp'
    ? [
      { type: 'input', out_sx: 1, out_sy: 1, out_depth: INPUT },
      { type: 'fc', num_neurons: 128, activation: 'relu' },
      { type: 'softmax', num_classes: CLASSES },
    ]
    : [
      { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
      { type: 'conv', sx: 3, filters: FILTERS[model][0], stride: 1, pad: 0, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'conv', sx: 3, filters: FILTERS[model][1], stride: 1, pad: 0, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'softmax', num_classes: CLASSES },
    ];
  const net = new convnetjs.Net();
  net.makeLayers(layers);
  return net;
}

/**
 * ConvNetJS: per-sample forward/backward (its gradients accumulate over the batch), then one Adam update
 * per batch. The npm release 0.3.0 has no 'adam' in its Trainer (an unknown method silently falls back to
 * SGD with momentum), so the update is done here over net.getParamsAndGrads(), the way its Trainer does
 * its other methods, with standard bias-corrected Adam.
 */
async function benchConvnet(model) {
  const batch = BATCH[model];
  const { xs, labels } = DATA[model];
  const net = buildConvnet(model);
  const shape = model === 'mlp' ? [1, 1, INPUT] : [28, 28, 1];
  const vols = [];
  for (let i = 0; i < batch; i++) {
    const vol = new convnetjs.Vol(shape[0], shape[1], shape[2], 0.0);
    vol.w.set(xs.subarray(i * INPUT, (i + 1) * INPUT));
    vols.push(vol);
  }
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  let t = 0;
  let m = null;
  let v = null;
  const step = () => {
    let loss = 0;
    for (let i = 0; i < batch; i++) {
      net.forward(vols[i], true);
      loss += net.backward(labels[i]);
    }
    const pgs = net.getParamsAndGrads();
    if (m === null) {
      m = pgs.map((pg) => new Float64Array(pg.params.length));
      v = pgs.map((pg) => new Float64Array(pg.params.length));
    }
    t++;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    for (let k = 0; k < pgs.length; k++) {
      const p = pgs[k].params;
      const g = pgs[k].grads;
      const mk = m[k];
      const vk = v[k];
      for (let j = 0; j < p.length; j++) {
        const gj = g[j] / batch;
        mk[j] = beta1 * mk[j] + (1 - beta1) * gj;
        vk[j] = beta2 * vk[j] + (1 - beta2) * gj * gj;
        p[j] -= (LEARNING_RATE * (mk[j] / c1)) / (Math.sqrt(vk[j] / c2) + eps);
        g[j] = 0;
      }
    }
    return loss / batch;
  };
  // Plain JS is synchronous: each step has finished when it returns. Yield so the page stays responsive.
  const sync = async (loss) => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    return loss;
  };
  return measure(step, sync);
}

async function webglRenderer() {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl ? gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : null;
  } catch {
    return null;
  }
}

async function webgpuAdapter() {
  try {
    if (!navigator.gpu) return 'navigator.gpu missing';
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return 'no adapter';
    const info = adapter.info ?? {};
    return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'adapter (no info)';
  } catch (error) {
    return `error: ${error}`;
  }
}

async function main() {
  const results = [];
  const env = {
    userAgent: navigator.userAgent,
    tfjs: globalThis.tf?.version?.tfjs ?? null,
    convnetjs: globalThis.convnetjs ? 'loaded' : null,
    webgpu: await webgpuAdapter(),
    webgl: await webglRenderer(),
    hardwareConcurrency: navigator.hardwareConcurrency,
    settings: { warmup: WARMUP, minSteps: MIN_STEPS, minSeconds: MIN_SECONDS, maxSeconds: MAX_SECONDS },
  };
  document.getElementById('bench-env').textContent = JSON.stringify(env, null, 2);
  log(`env ${JSON.stringify(env)}`);

  for (const backend of BACKENDS) {
    const engine = backend === 'convnetjs' ? 'convnetjs' : `tfjs-${backend}`;
    let setupError = null;
    if (backend === 'convnetjs') {
      if (!globalThis.convnetjs) setupError = 'convnetjs did not load';
    } else if (!globalThis.tf) {
      setupError = 'tf.min.js did not load';
    } else {
      try {
        if (!tf.findBackendFactory(backend)) throw new Error(`backend ${backend} is not registered`);
        const ok = await tf.setBackend(backend);
        await tf.ready();
        if (!ok || tf.getBackend() !== backend) throw new Error(`tf.setBackend('${backend}') failed (now ${tf.getBackend()})`);
      } catch (error) {
        setupError = String(error?.message ?? error);
      }
    }
    for (const model of MODELS) {
      const entry = { engine, model, batch: BATCH[model], steps: 0, samples_per_sec: 0 };
      if (setupError) {
        entry.error = setupError;
        log(`${engine} ${model}: ${setupError}`);
      } else {
        try {
          log(`${engine} ${model}: running`);
          const run = backend === 'convnetjs' ? await benchConvnet(model) : await benchTf(model);
          entry.steps = run.steps;
          entry.samples_per_sec = Math.round((run.steps * BATCH[model]) / run.seconds * 10) / 10;
          if (!Number.isFinite(run.lastLoss)) entry.error = `loss is ${run.lastLoss}`;
          log(`${engine} ${model}: ${run.steps} steps in ${run.seconds.toFixed(2)} s, ${entry.samples_per_sec} samples/s, loss ${run.lastLoss.toFixed(4)}`
            + (globalThis.tf && backend !== 'convnetjs' ? `, live tensors ${tf.memory().numTensors}` : ''));
        } catch (error) {
          entry.error = String(error?.message ?? error);
          log(`${engine} ${model}: error ${entry.error}`);
        }
      }
      results.push(entry);
    }
  }

  document.getElementById('bench-results').textContent = JSON.stringify(results, null, 2);
  document.body.dataset.done = '1';
}

main().catch((error) => {
  document.getElementById('bench-results').textContent = JSON.stringify([
    { engine: 'harness', model: 'mlp', batch: 0, steps: 0, samples_per_sec: 0, error: String(error?.stack ?? error) },
  ]);
  document.body.dataset.done = '1';
});
