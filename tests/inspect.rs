//! Looking inside trained trials: plane maps, hidden activations and validation reports agree
//! between the CPU and the GPU; weights files read back to identical predictions; snapshots
//! arrive once per epoch and end at the trained weights.
#![cfg(not(target_arch = "wasm32"))]

use nas_playground::data::{Dataset, Feature, Normalization, Normalizer, Targets, Toy2d, Toy2dSpec};
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::Activation;
use nas_playground::nas::inspect::{plane_maps, validation_report, Plane};
use nas_playground::nas::trained::{InputPipeline, TrainedModel};
use nas_playground::nn::{train, LayerSpec, Model, ModelSnapshot, ModelSpec, Optimizer, TargetRows, Task, TrainConfig, TrainerHost};

fn gpu() -> GpuContext {
    pollster::block_on(GpuContext::new()).expect("a GPU adapter (llvmpipe) for the native tests")
}

#[derive(Default)]
struct SnapshotHost {
    snapshots: Vec<ModelSnapshot>,
}

impl TrainerHost for SnapshotHost {
    fn now(&self) -> f64 {
        0.0
    }

    fn wants_snapshots(&self) -> bool {
        true
    }

    fn on_snapshot(&mut self, snapshot: ModelSnapshot) {
        self.snapshots.push(snapshot);
    }
}

fn xor_data() -> (Dataset, InputPipeline) {
    let features = vec![Feature::X, Feature::Y, Feature::XTimesY];
    let mut data = Toy2dSpec { set: Toy2d::Xor, samples: 300, noise_percent: 10, features: features.clone(), seed: 4 }.generate().unwrap();
    let normalizer = Normalizer::fit(Normalization::Standardize, &data);
    normalizer.apply(&mut data).unwrap();
    (data, InputPipeline { plane_features: Some(features), normalizer })
}

fn mlp() -> ModelSpec {
    ModelSpec {
        input: vec![3],
        layers: vec![
            LayerSpec::Dense { units: 6, activation: Activation::Tanh },
            LayerSpec::Dropout { rate: 0.1 },
            LayerSpec::Dense { units: 4, activation: Activation::Relu },
            LayerSpec::Dense { units: 2, activation: Activation::Identity },
        ],
    }
}

/// An MLP trained on XOR on the CPU, with every epoch's snapshot.
fn trained_xor() -> (TrainedModel, Dataset, Vec<ModelSnapshot>) {
    let be = CpuBackend::new();
    let (data, input) = xor_data();
    let mut model = Model::new(&be, &mlp(), Task::Classification { classes: 2 }, 9).unwrap();
    let targets = TargetRows::of(&data);
    let config =
        TrainConfig { epochs: 12, batch_size: 16, optimizer: Optimizer::Adam, learning_rate: 0.03, l2: 0.0, lr_decay: 1.0, seed: 2 };
    let mut host = SnapshotHost::default();
    pollster::block_on(train(&mut model, &be, &targets.examples(&data), None, &config, &mut host)).unwrap();
    let trained = pollster::block_on(TrainedModel::capture(&model, &be, &data, input, Some(0))).unwrap();
    (trained, data, host.snapshots)
}

fn widest_gap(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn plane_maps_and_hidden_units_agree_between_cpu_and_gpu() {
    let (trained, _, _) = trained_xor();
    let (cpu, gpu) = (CpuBackend::new(), gpu());
    let plane = Plane::playground(40);
    let on_cpu = pollster::block_on(plane_maps(&trained, &mut trained.build(&cpu).unwrap(), &cpu, plane)).unwrap().unwrap();
    let on_gpu = pollster::block_on(plane_maps(&trained, &mut trained.build(&gpu).unwrap(), &gpu, plane)).unwrap().unwrap();
    assert_eq!(on_cpu.hidden.iter().map(|h| (h.layer, h.units)).collect::<Vec<_>>(), [(0, 6), (2, 4)]);
    let output_gap = widest_gap(&on_cpu.output, &on_gpu.output);
    let hidden_gap = on_cpu.hidden.iter().zip(&on_gpu.hidden).map(|(c, g)| widest_gap(&c.values, &g.values)).fold(0.0, f32::max);
    println!("1,600 cells: widest output gap {output_gap:.2e}, widest hidden-unit gap {hidden_gap:.2e}");
    assert!(output_gap < 1e-4 && hidden_gap < 1e-4, "{output_gap} {hidden_gap}");
    let differing = on_cpu.class.iter().zip(&on_gpu.class).filter(|(a, b)| a != b).count();
    assert!(differing <= 2, "{differing} cells change class between the engines");
    // A trained XOR network predicts both classes somewhere on the plane.
    assert!(on_cpu.class.contains(&0) && on_cpu.class.contains(&1));
}

#[test]
fn a_cnn_s_every_layer_output_agrees_between_cpu_and_gpu() {
    let spec = ModelSpec {
        input: vec![1, 8, 8],
        layers: vec![
            LayerSpec::Conv2d { filters: 3, kernel: 3, stride: 1, padding: 1, activation: Activation::Relu },
            LayerSpec::MaxPool { size: 2, stride: None },
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 5, activation: Activation::Gelu },
            LayerSpec::Dense { units: 3, activation: Activation::Identity },
        ],
    };
    let (cpu, gpu) = (CpuBackend::new(), gpu());
    let inputs: Vec<f32> = (0..4 * 64).map(|i| ((i * 37 % 101) as f32) / 101.0).collect();
    let task = Task::Classification { classes: 3 };
    let a = pollster::block_on(Model::new(&cpu, &spec, task, 5).unwrap().layer_outputs(&cpu, 4, &inputs)).unwrap();
    let b = pollster::block_on(Model::new(&gpu, &spec, task, 5).unwrap().layer_outputs(&gpu, 4, &inputs)).unwrap();
    assert_eq!(a.len(), 4, "conv, pool and two dense layers (flatten builds none)");
    for (layer, (x, y)) in a.iter().zip(&b).enumerate() {
        let gap = widest_gap(x, y);
        assert!(gap < 1e-4, "layer {layer}: widest gap {gap}");
    }
}

#[test]
fn validation_reports_agree_between_cpu_and_gpu_and_count_every_sample() {
    let (trained, data, _) = trained_xor();
    let (cpu, gpu) = (CpuBackend::new(), gpu());
    let a = pollster::block_on(validation_report(&mut trained.build(&cpu).unwrap(), &cpu, &data, 5)).unwrap().unwrap();
    let b = pollster::block_on(validation_report(&mut trained.build(&gpu).unwrap(), &gpu, &data, 5)).unwrap().unwrap();
    assert_eq!(a.confusion.iter().flatten().sum::<u32>() as usize, data.len());
    assert_eq!(a.confusion, b.confusion);
    assert!(a.accuracy() > 0.8, "XOR with the xy feature is easy: {}", a.accuracy());
    let Targets::Classes { labels, .. } = &data.targets else { unreachable!() };
    for wrong in &a.misclassified {
        assert_ne!(wrong.label, wrong.predicted);
        assert_eq!(labels[wrong.index], wrong.label);
        assert_eq!(wrong.features, data.sample(wrong.index));
    }
    assert!(a.misclassified.windows(2).all(|w| w[0].confidence >= w[1].confidence), "most confident first");
}

#[test]
fn a_weights_file_reads_back_to_identical_predictions_on_both_engines() {
    let (trained, data, _) = trained_xor();
    let read = TrainedModel::from_json(&trained.to_json()).unwrap();
    let (cpu, gpu) = (CpuBackend::new(), gpu());
    let before = pollster::block_on(trained.predict(&mut trained.build(&cpu).unwrap(), &cpu, &data.features)).unwrap();
    let after = pollster::block_on(read.predict(&mut read.build(&cpu).unwrap(), &cpu, &data.features)).unwrap();
    assert_eq!(before, after, "the CPU predicts bit for bit the same from the file");
    let on_gpu = pollster::block_on(read.predict(&mut read.build(&gpu).unwrap(), &gpu, &data.features)).unwrap();
    assert!(widest_gap(&before, &on_gpu) < 1e-4);
}

#[test]
fn snapshots_come_once_per_epoch_and_end_at_the_trained_weights() {
    let (trained, _, snapshots) = trained_xor();
    assert_eq!(snapshots.iter().map(|s| s.epoch).collect::<Vec<_>>(), (1..=12).collect::<Vec<_>>());
    let last: Vec<Vec<f32>> = trained.parameters.iter().map(|t| t.values.clone()).collect();
    assert_eq!(snapshots.last().unwrap().parameters, last);
    assert_ne!(snapshots[0].parameters, last, "the weights moved while training");
}
