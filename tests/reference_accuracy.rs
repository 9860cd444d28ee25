//! Reference accuracy on the CPU device: the spiral, the shipped MNIST digits with the MLP and the
//! CNN, and a regression set, each reaching the bar its issue names. Prints what it measured.
#![cfg(not(target_arch = "wasm32"))]

use std::time::Instant;

use nas_playground::data::mnist::ImageSet;
use nas_playground::data::toy2d::{Toy2d, Toy2dSpec};
use nas_playground::data::{Dataset, Feature, Normalization, SplitRatios};
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::{Activation, Backend};
use nas_playground::nn::{evaluate, train, LayerSpec, Model, ModelSpec, Optimizer, TargetRows, Task, TrainConfig, TrainerHost};

struct Clock(Instant);

impl TrainerHost for Clock {
    fn now(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

fn dense(units: usize, activation: Activation) -> LayerSpec {
    LayerSpec::Dense { units, activation }
}

/// Trains `spec` on `train_set` on the CPU and returns (test loss, test accuracy, seconds).
fn fit(spec: &ModelSpec, train_set: &Dataset, test_set: &Dataset, config: &TrainConfig) -> (f32, Option<f32>, f64) {
    fit_on(&CpuBackend::new(), spec, train_set, test_set, config)
}

fn fit_on<B: Backend>(be: &B, spec: &ModelSpec, train_set: &Dataset, test_set: &Dataset, config: &TrainConfig) -> (f32, Option<f32>, f64) {
    let task = Task::of(train_set);
    let mut model = Model::new(be, spec, task, 1).unwrap();
    let (train_rows, test_rows) = (TargetRows::of(train_set), TargetRows::of(test_set));
    let mut clock = Clock(Instant::now());
    let outcome = pollster::block_on(train(&mut model, be, &train_rows.examples(train_set), None, config, &mut clock)).unwrap();
    assert_eq!(outcome.stopped, None, "{:?}", outcome.history.last());
    let (loss, accuracy) = pollster::block_on(evaluate(&mut model, be, &test_rows.examples(test_set), 256)).unwrap();
    (loss, accuracy, clock.now())
}

#[test]
fn a_two_hidden_layer_tanh_mlp_learns_the_spiral() {
    let data = Toy2dSpec { set: Toy2d::Spiral, samples: 1000, noise_percent: 0, features: vec![Feature::X, Feature::Y], seed: 7 }
        .generate()
        .unwrap();
    let splits = data.split(SplitRatios { train: 0.8, validation: 0.0, test: 0.2 }, 7).unwrap();
    let spec = ModelSpec {
        input: vec![2],
        layers: vec![dense(32, Activation::Tanh), dense(32, Activation::Tanh), dense(2, Activation::Identity)],
    };
    let config =
        TrainConfig { epochs: 300, batch_size: 16, optimizer: Optimizer::Adam, learning_rate: 0.01, l2: 0.0, lr_decay: 0.99, seed: 3 };
    let (loss, accuracy, seconds) = fit(&spec, &splits.train, &splits.test, &config);
    let accuracy = accuracy.unwrap();
    println!("spiral: test accuracy {:.1} %, loss {loss:.4}, {seconds:.1} s", accuracy * 100.0);
    assert!(accuracy >= 0.95, "spiral test accuracy {accuracy}");
}

/// The shipped 10,000 digits, 8,000 to train and 2,000 to test, normalised as asked (fitted on train).
fn mnist_splits(normalization: Normalization) -> (Dataset, Dataset) {
    let digits = ImageSet::Mnist.load_bundled().unwrap();
    assert_eq!(digits.len(), 10_000);
    let mut splits = digits.split(SplitRatios { train: 0.8, validation: 0.0, test: 0.2 }, 42).unwrap();
    splits.normalize(normalization);
    (splits.train, splits.test)
}

fn mnist_mlp() -> (ModelSpec, TrainConfig) {
    let spec = ModelSpec { input: vec![784], layers: vec![dense(128, Activation::Relu), dense(10, Activation::Identity)] };
    // 8,000 digits put the bar at the plateau of this model (Keras: 95.0-95.4 %); light L2 and a
    // decaying rate hold it there. Over seeds 1-3 this setting gave 95.6, 95.3 and 95.8 %.
    let config =
        TrainConfig { epochs: 30, batch_size: 32, optimizer: Optimizer::Adam, learning_rate: 1e-3, l2: 1e-3, lr_decay: 0.93, seed: 1 };
    (spec, config)
}

#[test]
fn the_mlp_784_128_10_reaches_95_percent_on_mnist() {
    let (train_set, test_set) = mnist_splits(Normalization::Standardize);
    let (spec, config) = mnist_mlp();
    let (loss, accuracy, seconds) = fit(&spec, &train_set, &test_set, &config);
    let accuracy = accuracy.unwrap();
    println!("MNIST MLP 784-128-10: test accuracy {:.2} %, loss {loss:.4}, {seconds:.1} s", accuracy * 100.0);
    assert!(accuracy >= 0.95, "MNIST MLP test accuracy {accuracy}");
}

fn mnist_cnn() -> (ModelSpec, TrainConfig) {
    let conv = |filters| LayerSpec::Conv2d { filters, kernel: 3, stride: 1, padding: 0, activation: Activation::Relu };
    let pool = LayerSpec::MaxPool { size: 2, stride: None };
    let spec = ModelSpec {
        input: vec![1, 28, 28],
        layers: vec![conv(8), pool.clone(), conv(16), pool, LayerSpec::Flatten, dense(10, Activation::Identity)],
    };
    let config =
        TrainConfig { epochs: 12, batch_size: 32, optimizer: Optimizer::Adam, learning_rate: 2e-3, l2: 0.0, lr_decay: 0.85, seed: 1 };
    (spec, config)
}

#[test]
fn the_cnn_reaches_96_percent_on_mnist() {
    let (train_set, test_set) = mnist_splits(Normalization::None);
    let (spec, config) = mnist_cnn();
    let (loss, accuracy, seconds) = fit(&spec, &train_set, &test_set, &config);
    let accuracy = accuracy.unwrap();
    println!("MNIST CNN c8-p-c16-p-d10: test accuracy {:.2} %, loss {loss:.4}, {seconds:.1} s", accuracy * 100.0);
    assert!(accuracy >= 0.96, "MNIST CNN test accuracy {accuracy}");
}

#[test]
fn regression_on_the_multi_gaussian_set_gets_its_error_down() {
    let data = Toy2dSpec { set: Toy2d::RegressGaussian, samples: 1000, noise_percent: 0, features: vec![Feature::X, Feature::Y], seed: 5 }
        .generate()
        .unwrap();
    let splits = data.split(SplitRatios { train: 0.8, validation: 0.0, test: 0.2 }, 5).unwrap();
    let spec = ModelSpec {
        input: vec![2],
        layers: vec![dense(32, Activation::Tanh), dense(32, Activation::Tanh), dense(1, Activation::Identity)],
    };
    let config =
        TrainConfig { epochs: 150, batch_size: 16, optimizer: Optimizer::Adam, learning_rate: 0.01, l2: 0.0, lr_decay: 0.99, seed: 2 };
    let (mse, _, seconds) = fit(&spec, &splits.train, &splits.test, &config);
    // The targets span [-1, 1]; predicting their mean would leave an error near their variance.
    println!("regress gaussian: test mean squared error {mse:.5}, {seconds:.1} s");
    assert!(mse < 0.01, "test MSE {mse}");
}

/// The same two MNIST runs on the GPU device. Minutes on a software adapter (llvmpipe), so run on
/// demand: `cargo test --release --test reference_accuracy -- --ignored --nocapture`.
#[test]
#[ignore]
fn the_mnist_references_on_the_gpu() {
    let gpu = pollster::block_on(GpuContext::new()).expect("a GPU adapter");
    println!("GPU: {}", gpu.adapter().name);
    let (train_set, test_set) = mnist_splits(Normalization::Standardize);
    let (spec, config) = mnist_mlp();
    let (loss, accuracy, seconds) = fit_on(&gpu, &spec, &train_set, &test_set, &config);
    println!("GPU MNIST MLP: test accuracy {:.2} %, loss {loss:.4}, {seconds:.1} s", accuracy.unwrap() * 100.0);
    let (train_set, test_set) = mnist_splits(Normalization::None);
    let (spec, config) = mnist_cnn();
    let (loss, accuracy, seconds) = fit_on(&gpu, &spec, &train_set, &test_set, &config);
    println!("GPU MNIST CNN: test accuracy {:.2} %, loss {loss:.4}, {seconds:.1} s", accuracy.unwrap() * 100.0);
    assert!(accuracy.unwrap() >= 0.96);
}
