//! Models built from specs: finite-difference checks of whole networks' backward passes, the same
//! result for the same seed, and the CPU and GPU devices agreeing on a training run.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::{Activation, Backend, SgdConfig};
use nas_playground::nn::{train, Examples, LayerSpec, Model, ModelError, ModelSpec, Optimizer, Task, TrainConfig, TrainerHost, Update};

struct QuietHost;

impl TrainerHost for QuietHost {
    fn now(&self) -> f64 {
        0.0
    }
}

fn conv(filters: usize, kernel: usize, stride: usize, padding: usize, activation: Activation) -> LayerSpec {
    LayerSpec::Conv2d { filters, kernel, stride, padding, activation }
}

fn dense(units: usize, activation: Activation) -> LayerSpec {
    LayerSpec::Dense { units, activation }
}

/// The batch-mean loss of `model` on one batch (evaluation: no update, no dropout).
fn loss_of<B: Backend>(model: &mut Model<B>, be: &B, batch: usize, x: &[f32], y: &[f32]) -> f32 {
    let (sum, correct) = (be.zeros(1).unwrap(), be.zeros(1).unwrap());
    model.evaluate_batch(be, batch, x, y, &sum, &correct).unwrap();
    pollster::block_on(be.read(&sum)).unwrap()[0] / batch as f32
}

/// Checks every parameter gradient of a whole network against central differences.
fn gradcheck_network(spec: ModelSpec, task: Task) {
    let be = CpuBackend::new();
    let mut model = Model::new(&be, &spec, task, 3).unwrap();
    let batch = 3;
    let x: Vec<f32> = common::seeded_values(60, batch * model.summary().input.len());
    let y: Vec<f32> = match task {
        Task::Classification { classes } => (0..batch).map(|i| (i % classes) as f32).collect(),
        Task::Regression { outputs } => common::seeded_values(61, batch * outputs),
    };
    // A training step with a zero learning rate leaves the weights and fills the gradients.
    let frozen = Update::Sgd(SgdConfig { learning_rate: 0.0, momentum: 0.0, l2: 0.0 });
    let (sum, correct) = (be.zeros(1).unwrap(), be.zeros(1).unwrap());
    model.train_step(&be, batch, &x, &y, frozen, &sum, &correct).unwrap();
    let grads = pollster::block_on(model.gradients(&be)).unwrap();
    let params = pollster::block_on(model.parameters(&be)).unwrap();
    let eps = 1e-2;
    for (p, tensor) in params.iter().enumerate() {
        for i in (0..tensor.len()).step_by((tensor.len() / 12).max(1)) {
            let mut nudged = params.clone();
            nudged[p][i] += eps;
            model.set_parameters(&be, &nudged);
            let plus = loss_of(&mut model, &be, batch, &x, &y);
            nudged[p][i] -= 2.0 * eps;
            model.set_parameters(&be, &nudged);
            let minus = loss_of(&mut model, &be, batch, &x, &y);
            let numeric = (plus - minus) / (2.0 * eps);
            let analytic = grads[p][i];
            let error = (numeric - analytic).abs() / (numeric.abs() + analytic.abs()).max(1e-2);
            assert!(error < 3e-2, "{spec:?}\nparameter {p}[{i}]: analytic {analytic} but numeric {numeric}");
        }
        model.set_parameters(&be, &params);
    }
}

#[test]
fn an_mlp_of_every_activation_passes_the_gradient_check() {
    let spec = ModelSpec {
        input: vec![5],
        layers: vec![
            dense(6, Activation::Tanh),
            dense(5, Activation::Sigmoid),
            dense(5, Activation::Gelu),
            dense(4, Activation::LeakyRelu { slope: 0.1 }),
            dense(3, Activation::Identity),
        ],
    };
    gradcheck_network(spec, Task::Classification { classes: 3 });
}

#[test]
fn a_cnn_with_stride_padding_pooling_and_flatten_passes_the_gradient_check() {
    let spec = ModelSpec {
        input: vec![2, 9, 8],
        layers: vec![
            conv(3, 3, 1, 1, Activation::Tanh),
            LayerSpec::MaxPool { size: 2, stride: None },
            conv(4, 2, 2, 0, Activation::Sigmoid),
            LayerSpec::Flatten,
            dense(4, Activation::Identity),
        ],
    };
    gradcheck_network(spec, Task::Classification { classes: 4 });
}

#[test]
fn a_regression_network_passes_the_gradient_check() {
    let spec = ModelSpec { input: vec![3], layers: vec![dense(5, Activation::Tanh), dense(2, Activation::Identity)] };
    gradcheck_network(spec, Task::Regression { outputs: 2 });
}

#[test]
fn a_spec_whose_output_does_not_fit_the_task_is_refused_with_a_hint() {
    let spec = ModelSpec { input: vec![4], layers: vec![dense(12, Activation::Identity)] };
    let error = Model::new(&CpuBackend::new(), &spec, Task::Classification { classes: 10 }, 1).err().unwrap();
    assert!(matches!(error, ModelError::OutputMismatch { got: 12, needed: 10, .. }));
    assert_eq!(error.to_string(), "the last layer gives 12 outputs but the data needs 10: the last dense layer needs one unit per class");
}

/// A small two-class problem: points inside or outside the unit circle.
fn ring_examples(n: usize, seed: u32) -> (Vec<f32>, Vec<f32>) {
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let x = common::unit(seed, 2 * i) * 4.0 - 2.0;
        let y = common::unit(seed, 2 * i + 1) * 4.0 - 2.0;
        features.extend([x, y]);
        labels.push(if x * x + y * y < 1.5 { 1.0 } else { 0.0 });
    }
    (features, labels)
}

fn ring_spec() -> ModelSpec {
    ModelSpec {
        input: vec![2],
        layers: vec![
            dense(16, Activation::Tanh),
            LayerSpec::Dropout { rate: 0.1 },
            dense(16, Activation::Relu),
            dense(2, Activation::Identity),
        ],
    }
}

fn train_ring<B: Backend>(be: &B) -> nas_playground::nn::TrainOutcome {
    let (features, labels) = ring_examples(600, 9);
    let (vf, vl) = ring_examples(200, 10);
    let train_set = Examples { features: &features, targets: &labels, feature_len: 2, target_len: 1 };
    let validation = Examples { features: &vf, targets: &vl, feature_len: 2, target_len: 1 };
    let config =
        TrainConfig { epochs: 30, batch_size: 32, optimizer: Optimizer::Adam, learning_rate: 0.01, l2: 1e-4, lr_decay: 0.98, seed: 4 };
    let mut model = Model::new(be, &ring_spec(), Task::Classification { classes: 2 }, 11).unwrap();
    pollster::block_on(train(&mut model, be, &train_set, Some(&validation), &config, &mut QuietHost)).unwrap()
}

#[test]
fn the_same_spec_seed_and_data_give_the_same_result_on_the_cpu() {
    let cpu = CpuBackend::new();
    let first = train_ring(&cpu);
    let second = train_ring(&cpu);
    assert_eq!(first.history, second.history);
    let last = first.last().unwrap();
    assert!(last.validation_accuracy.unwrap() > 0.9, "{last:?}");
}

#[test]
fn cpu_and_gpu_train_the_same_network_to_the_same_curve() {
    let gpu = pollster::block_on(GpuContext::new()).expect("a GPU adapter (llvmpipe) for the native tests");
    let cpu_run = train_ring(&CpuBackend::new());
    let gpu_run = train_ring(&gpu);
    assert_eq!(cpu_run.history.len(), gpu_run.history.len(), "the two runs trained different numbers of epochs");
    let mut widest = 0f32;
    for (c, g) in cpu_run.history.iter().zip(&gpu_run.history) {
        let (cl, gl) = (c.train_loss, g.train_loss);
        let gap = (cl - gl).abs() / cl.max(0.1);
        widest = widest.max(gap);
        assert!(gap <= 2e-3, "epoch {}: loss {gl} on the GPU but {cl} on the CPU", c.epoch);
    }
    println!("{} epochs, widest relative loss gap {widest:.2e}", cpu_run.history.len());
    let (c, g) = (cpu_run.last().unwrap(), gpu_run.last().unwrap());
    assert!((c.validation_accuracy.unwrap() - g.validation_accuracy.unwrap()).abs() <= 0.02, "{c:?}\n{g:?}");
}

#[test]
fn a_diverging_run_stops_with_a_reason() {
    let cpu = CpuBackend::new();
    let (features, labels) = ring_examples(256, 3);
    let train_set = Examples { features: &features, targets: &labels, feature_len: 2, target_len: 1 };
    let config = TrainConfig { epochs: 20, batch_size: 32, optimizer: Optimizer::Sgd, learning_rate: 1e6, l2: 0.0, lr_decay: 1.0, seed: 1 };
    let mut model = Model::new(&cpu, &ring_spec(), Task::Classification { classes: 2 }, 2).unwrap();
    let outcome = pollster::block_on(train(&mut model, &cpu, &train_set, None, &config, &mut QuietHost)).unwrap();
    match outcome.stopped {
        Some(nas_playground::nn::StopReason::Diverged { epoch, message }) => {
            assert!(epoch < 20);
            assert!(message.contains("a lower learning rate than"), "{message}");
        }
        other => panic!("expected a divergence stop, got {other:?} after {:?}", outcome.history),
    }
}

#[test]
fn cancelling_stops_between_steps() {
    struct CancelAfter(std::cell::Cell<usize>);
    impl TrainerHost for CancelAfter {
        fn now(&self) -> f64 {
            0.0
        }
        fn should_stop(&self) -> bool {
            self.0.set(self.0.get() + 1);
            self.0.get() > 5
        }
    }
    let cpu = CpuBackend::new();
    let (features, labels) = ring_examples(256, 3);
    let train_set = Examples { features: &features, targets: &labels, feature_len: 2, target_len: 1 };
    let config =
        TrainConfig { epochs: 5, batch_size: 32, optimizer: Optimizer::Adam, learning_rate: 0.01, l2: 0.0, lr_decay: 1.0, seed: 1 };
    let mut model = Model::new(&cpu, &ring_spec(), Task::Classification { classes: 2 }, 2).unwrap();
    let outcome = pollster::block_on(train(&mut model, &cpu, &train_set, None, &config, &mut CancelAfter(0.into()))).unwrap();
    assert_eq!(outcome.stopped, Some(nas_playground::nn::StopReason::Cancelled { epoch: 1 }));
    assert!(outcome.history.is_empty());
}
