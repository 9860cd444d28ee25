//! A model's training step in parts, as two networks trained against each other need it:
//! forward (from the host or from a tensor filled on the device), a loss into the output's
//! gradient, backward (down to the input when asked), and the update. The fused step is these
//! parts; the input gradient passes a finite-difference check; both engines agree.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::seeded_values;
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::{Activation, AdamConfig, Backend};
use nas_playground::nn::{LayerSpec, Model, ModelSpec, Task, Update};

fn gpu() -> GpuContext {
    pollster::block_on(GpuContext::new()).expect("a GPU adapter (llvmpipe) for the native tests")
}

/// A discriminator-like network: 2 inputs, one logit.
fn critic() -> ModelSpec {
    ModelSpec {
        input: vec![2],
        layers: vec![
            LayerSpec::Dense { units: 7, activation: Activation::Tanh },
            LayerSpec::Dense { units: 5, activation: Activation::LeakyRelu { slope: 0.2 } },
            LayerSpec::Dense { units: 1, activation: Activation::Identity },
        ],
    }
}

/// A generator-like network: 3 noise values to a 2D point.
fn maker() -> ModelSpec {
    ModelSpec {
        input: vec![3],
        layers: vec![
            LayerSpec::Dense { units: 6, activation: Activation::Relu },
            LayerSpec::Dense { units: 2, activation: Activation::Identity },
        ],
    }
}

const ONE_LOGIT: Task = Task::Regression { outputs: 1 };

/// The critic's mean binary loss on `x` against `targets`, its input gradient, and its parameter gradients.
fn binary_pass<B: Backend>(be: &B, model: &mut Model<B>, x: &[f32], targets: &[f32]) -> (f32, Vec<f32>, Vec<Vec<f32>>) {
    let batch = targets.len();
    let (targets, loss) = (be.upload(targets).unwrap(), be.zeros(1).unwrap());
    model.forward(be, batch, Some(x), false).unwrap();
    model.binary_loss(be, batch, &targets, &loss);
    model.backward(be, batch, true).unwrap();
    be.submit().unwrap();
    let loss = pollster::block_on(be.read(&loss)).unwrap()[0] / batch as f32;
    let input_grad = pollster::block_on(be.read(model.input_grad(batch).unwrap())).unwrap();
    (loss, input_grad, pollster::block_on(model.gradients(be)).unwrap())
}

#[test]
fn the_input_gradient_of_the_binary_loss_passes_a_finite_difference_check() {
    let be = CpuBackend::new();
    let mut model = Model::new(&be, &critic(), ONE_LOGIT, 4).unwrap();
    let x = seeded_values(7, 2 * 6);
    let targets = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0];
    let (_, analytic, _) = binary_pass(&be, &mut model, &x, &targets);
    let h = 1e-3;
    let mut worst = 0f32;
    for i in 0..x.len() {
        let mut plus = x.clone();
        plus[i] += h;
        let mut minus = x.clone();
        minus[i] -= h;
        let up = binary_pass(&be, &mut model, &plus, &targets).0;
        let down = binary_pass(&be, &mut model, &minus, &targets).0;
        let numeric = (up - down) / (2.0 * h);
        let gap = (numeric - analytic[i]).abs() / (1e-3 + numeric.abs().max(analytic[i].abs()));
        worst = worst.max(gap);
        assert!(gap < 2e-2, "input {i}: {numeric} by differences, {} by backward", analytic[i]);
    }
    println!("input gradient: worst relative gap {worst:.2e} over {} inputs", x.len());
}

#[test]
fn the_fused_step_is_its_parts() {
    let be = CpuBackend::new();
    let spec = ModelSpec {
        input: vec![4],
        layers: vec![
            LayerSpec::Dense { units: 8, activation: Activation::Gelu },
            LayerSpec::Dropout { rate: 0.3 },
            LayerSpec::Dense { units: 3, activation: Activation::Identity },
        ],
    };
    let task = Task::Classification { classes: 3 };
    let (mut fused, mut parts) = (Model::new(&be, &spec, task, 9).unwrap(), Model::new(&be, &spec, task, 9).unwrap());
    let update = Update::Adam(AdamConfig::with_learning_rate(0.01));
    let (loss, correct) = (be.zeros(1).unwrap(), be.zeros(1).unwrap());
    for step in 0..4 {
        let x = seeded_values(100 + step, 5 * 4);
        let y: Vec<f32> = (0..5).map(|i| ((i + step as usize) % 3) as f32).collect();
        fused.train_step(&be, 5, &x, &y, update, &loss, &correct).unwrap();
        parts.forward(&be, 5, Some(&x), true).unwrap();
        let labels = be.upload(&y).unwrap();
        be.softmax_cross_entropy(parts.output(5), &labels, parts.output_grad(5), &loss, 5, 3);
        parts.backward(&be, 5, false).unwrap();
        parts.update(&be, update);
        be.submit().unwrap();
    }
    let a = pollster::block_on(fused.parameters(&be)).unwrap();
    let b = pollster::block_on(parts.parameters(&be)).unwrap();
    assert_eq!(a, b, "the same steps give the same weights, bit for bit");
}

/// A maker's points fed to the critic on the device, and the gradient the maker trains by.
fn through_the_critic<B: Backend>(be: &B) -> (Vec<f32>, Vec<f32>, Vec<Vec<f32>>) {
    let batch = 9;
    let (mut maker, mut critic) =
        (Model::new(be, &maker(), Task::Regression { outputs: 2 }, 2).unwrap(), Model::new(be, &critic(), ONE_LOGIT, 3).unwrap());
    let noise = seeded_values(11, batch * 3);
    maker.forward(be, batch, Some(&noise), true).unwrap();
    be.copy(maker.output(batch), 0, critic.input(be, batch).unwrap(), 0, batch * 2);
    critic.forward(be, batch, None, true).unwrap();
    let (ones, loss) = (be.upload(&[1.0; 9]).unwrap(), be.zeros(1).unwrap());
    critic.binary_loss(be, batch, &ones, &loss);
    critic.backward(be, batch, true).unwrap();
    // The critic's input gradient is the maker's output gradient.
    be.copy(critic.input_grad(batch).unwrap(), 0, maker.output_grad(batch), 0, batch * 2);
    maker.backward(be, batch, false).unwrap();
    be.submit().unwrap();
    let logits = pollster::block_on(be.read(critic.output(batch))).unwrap();
    let points = pollster::block_on(be.read(maker.output(batch))).unwrap();
    (points, logits, pollster::block_on(maker.gradients(be)).unwrap())
}

#[test]
fn a_device_side_feed_equals_a_host_feed_and_both_engines_agree() {
    let cpu = CpuBackend::new();
    let (points, logits, maker_grads) = through_the_critic(&cpu);
    // The same points fed from the host give the same logits.
    let mut critic = Model::new(&cpu, &critic(), ONE_LOGIT, 3).unwrap();
    critic.forward(&cpu, 9, Some(&points), true).unwrap();
    cpu.submit().unwrap();
    assert_eq!(pollster::block_on(cpu.read(critic.output(9))).unwrap(), logits);
    assert!(maker_grads.iter().flatten().any(|g| g.abs() > 1e-6), "the maker receives a gradient");
    let (gpu_points, gpu_logits, gpu_grads) = through_the_critic(&gpu());
    let gap = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(gap(&points, &gpu_points) < 1e-5 && gap(&logits, &gpu_logits) < 1e-5);
    for (c, g) in maker_grads.iter().zip(&gpu_grads) {
        assert!(gap(c, g) < 1e-4, "maker gradients differ by {}", gap(c, g));
    }
}

/// A training pass may run a convolution and the pool after it as one op that keeps neither of the
/// convolution's outputs (`Backend::conv2d_activation_max_pool`). Its logits and every gradient are
/// those of a plain forward, bit for bit: the backward never reads what it left out.
#[test]
fn a_training_pass_with_pooled_convolutions_is_the_plain_pass() {
    training_pass_with_pooled_convolutions_is_the_plain_pass();
    // Once more on the unfolded convolutions the browser and CPUs without AVX-512 take.
    #[cfg(target_arch = "x86_64")]
    nas_playground::engine::cpu::direct_conv::unfolded_only(training_pass_with_pooled_convolutions_is_the_plain_pass);
}

fn training_pass_with_pooled_convolutions_is_the_plain_pass() {
    let be = CpuBackend::new();
    let conv = |filters, activation| LayerSpec::Conv2d { filters, kernel: 3, stride: 1, padding: 0, activation };
    for (first, second) in
        [(Activation::Relu, Activation::Tanh), (Activation::Gelu, Activation::Identity), (Activation::Sigmoid, Activation::Relu)]
    {
        let spec = ModelSpec {
            input: vec![2, 14, 13],
            layers: vec![
                conv(8, first),
                LayerSpec::MaxPool { size: 2, stride: None },
                conv(16, second),
                LayerSpec::MaxPool { size: 2, stride: None },
                LayerSpec::Flatten,
                LayerSpec::Dense { units: 3, activation: Activation::Identity },
            ],
        };
        let task = Task::Classification { classes: 3 };
        let mut model = Model::new(&be, &spec, task, 5).unwrap();
        let (batch, loss) = (6, be.zeros(1).unwrap());
        let x = seeded_values(61, batch * 2 * 14 * 13);
        let labels = be.upload(&(0..batch).map(|i| (i % 3) as f32).collect::<Vec<_>>()).unwrap();
        let mut pass = |training| {
            model.forward(&be, batch, Some(&x), training).unwrap();
            be.softmax_cross_entropy(model.output(batch), &labels, model.output_grad(batch), &loss, batch, 3);
            model.backward(&be, batch, true).unwrap();
            be.submit().unwrap();
            let logits = pollster::block_on(be.read(model.output(batch))).unwrap();
            let input_grad = pollster::block_on(be.read(model.input_grad(batch).unwrap())).unwrap();
            (logits, input_grad, pollster::block_on(model.gradients(&be)).unwrap())
        };
        // The pooled pass first, so the convolutions' outputs hold nothing a plain pass wrote.
        let (pooled, plain) = (pass(true), pass(false));
        assert_eq!(pooled, plain, "{first:?} then {second:?}");
    }
}
