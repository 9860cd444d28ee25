//! Fused candidates: a `ModelStack` of networks that share their widths but not their activation,
//! dropout, optimizer or learning rate trains every member to exactly the figures and weights it
//! reaches alone, on the CPU and on the GPU; a member that diverges stops alone; networks that
//! cannot stack are refused with the member at fault; and a search run fused logs the same trials
//! as one run a trial at a time.
#![cfg(not(target_arch = "wasm32"))]

mod search_fixture;
use search_fixture::{log_text, without_timing};

use nas_playground::nas::log::LogOrder;

use nas_playground::data::{Toy2d, Toy2dSpec};
use nas_playground::engine::cpu::CpuBackend;
use nas_playground::engine::gpu::GpuContext;
use nas_playground::engine::Device;
use nas_playground::engine::{Activation, StackedBackend};
use nas_playground::nas::{
    fusion_groups, run_search, run_search_fused, Budget, DataSource, DataSpec, Objective, RecordingHost, Search, SearchConfig, SearchSpace,
    StrategyConfig, TrainingEvaluator,
};
use nas_playground::nn::{
    continue_training, train_stack, EpochMetrics, Examples, LayerSpec, Model, ModelSpec, ModelStack, Optimizer, StackError, StackHost,
    Task, TrainConfig, TrainOutcome, TrainerHost,
};

struct Quiet;

impl TrainerHost for Quiet {
    fn now(&self) -> f64 {
        0.0
    }
}

impl StackHost for Quiet {
    fn now(&self) -> f64 {
        0.0
    }
}

fn dense(units: usize, activation: Activation) -> LayerSpec {
    LayerSpec::Dense { units, activation }
}

/// Four networks of widths 12-8 that differ in everything else.
fn members(outputs: usize) -> Vec<(ModelSpec, TrainConfig)> {
    let base = TrainConfig { epochs: 12, batch_size: 16, optimizer: Optimizer::Adam, learning_rate: 0.01, l2: 0.0, lr_decay: 1.0, seed: 3 };
    let net = |activation: Activation, dropout: f32| {
        let mut layers = Vec::new();
        for units in [12, 8] {
            layers.push(dense(units, activation));
            if dropout > 0.0 {
                layers.push(LayerSpec::Dropout { rate: dropout });
            }
        }
        layers.push(dense(outputs, Activation::Identity));
        ModelSpec { input: vec![2], layers }
    };
    vec![
        (net(Activation::Relu, 0.0), base.clone()),
        (net(Activation::Tanh, 0.2), TrainConfig { optimizer: Optimizer::Sgd, learning_rate: 0.1, lr_decay: 0.9, ..base.clone() }),
        (
            net(Activation::LeakyRelu { slope: 0.1 }, 0.0),
            TrainConfig { optimizer: Optimizer::Momentum { momentum: 0.9 }, learning_rate: 0.02, l2: 1e-3, ..base.clone() },
        ),
        (net(Activation::Sigmoid, 0.3), TrainConfig { learning_rate: 0.003, ..base }),
    ]
}

/// Points on the plane with a class (inside the ring or not) and a value (x·y) each.
fn points(n: usize, seed: u32) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut features, mut classes, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n as u32 {
        let x = nas_playground::engine::rng::uniform(seed, 2 * i) * 4.0 - 2.0;
        let y = nas_playground::engine::rng::uniform(seed, 2 * i + 1) * 4.0 - 2.0;
        features.extend([x, y]);
        classes.push(if x * x + y * y < 1.5 { 1.0 } else { 0.0 });
        values.push(x * y);
    }
    (features, classes, values)
}

fn without_clock(history: &[EpochMetrics]) -> Vec<EpochMetrics> {
    history.iter().map(|m| EpochMetrics { samples_per_sec: 0.0, seconds: 0.0, ..m.clone() }).collect()
}

/// Trains the members as one stack and each alone on `be`; asserts identical histories and weights.
fn fused_equals_alone<B: StackedBackend>(be: &B, task: Task, members: &[(ModelSpec, TrainConfig)]) -> Vec<TrainOutcome> {
    let (features, classes, values) = points(200, 1);
    let (vf, vc, vv) = points(67, 2);
    let regression = matches!(task, Task::Regression { .. });
    let (targets, vtargets) = if regression { (&values, &vv) } else { (&classes, &vc) };
    let train = Examples { features: &features, targets, feature_len: 2, target_len: 1 };
    let validation = Examples { features: &vf, targets: vtargets, feature_len: 2, target_len: 1 };
    let specs: Vec<_> = members.iter().map(|(s, _)| s.clone()).collect();
    let configs: Vec<_> = members.iter().map(|(_, c)| c.clone()).collect();

    let mut stack = ModelStack::new(be, &specs, task, 7).unwrap();
    let fused = pollster::block_on(train_stack(&mut stack, be, &train, Some(&validation), &configs, &mut Quiet)).unwrap();
    for (k, (spec, config)) in members.iter().enumerate() {
        let mut model = Model::new(be, spec, task, 7).unwrap();
        let alone = pollster::block_on(continue_training(&mut model, be, &train, Some(&validation), config, &[], &mut Quiet)).unwrap();
        assert_eq!(without_clock(&fused[k].history), without_clock(&alone.history), "member {k}'s curve on the {}", be.name());
        assert_eq!(fused[k].stopped, alone.stopped, "member {k}'s stop");
        if alone.stopped.is_some() {
            // A stopped member's weights are not kept: the stack goes on for the others.
            continue;
        }
        let (fused_weights, alone_weights) =
            (pollster::block_on(stack.parameters(be, k)).unwrap(), pollster::block_on(model.parameters(be)).unwrap());
        assert!(fused_weights == alone_weights, "member {k}'s weights differ from training alone on the {}", be.name());
    }
    fused
}

fn gpu() -> GpuContext {
    pollster::block_on(GpuContext::new()).expect("a GPU adapter (llvmpipe will do)")
}

#[test]
fn fused_members_train_exactly_as_they_do_alone_on_the_cpu() {
    let outcomes = fused_equals_alone(&CpuBackend::new(), Task::Classification { classes: 2 }, &members(2));
    let best = outcomes.iter().filter_map(|o| o.last()?.validation_accuracy).fold(0.0, f32::max);
    assert!(best > 0.8, "the members learn the ring: best validation accuracy {best}");
    fused_equals_alone(&CpuBackend::new(), Task::Regression { outputs: 1 }, &members(1));
    fused_equals_alone(&CpuBackend::new(), Task::Classification { classes: 2 }, &without_dropout(members(2)));
}

#[test]
fn fused_members_train_exactly_as_they_do_alone_on_the_gpu() {
    let gpu = gpu();
    fused_equals_alone(&gpu, Task::Classification { classes: 2 }, &members(2));
    fused_equals_alone(&gpu, Task::Regression { outputs: 1 }, &members(1));
    fused_equals_alone(&gpu, Task::Classification { classes: 2 }, &without_dropout(members(2)));
}

/// The members with no dropout: their stack's dense layers follow one another, so each hidden
/// layer's dz comes out of the next layer's input-gradient product.
fn without_dropout(members: Vec<(ModelSpec, TrainConfig)>) -> Vec<(ModelSpec, TrainConfig)> {
    let plain: Vec<_> =
        members.into_iter().filter(|(spec, _)| !spec.layers.iter().any(|l| matches!(l, LayerSpec::Dropout { .. }))).collect();
    assert_eq!(plain.len(), 2, "the ReLU and the leaky ReLU members");
    plain
}

#[test]
fn sixteen_members_fuse_and_one_member_is_a_plain_network() {
    let all = members(2);
    let sixteen: Vec<_> = (0..16).map(|i| all[i % 4].clone()).collect();
    fused_equals_alone(&CpuBackend::new(), Task::Classification { classes: 2 }, &sixteen);
    fused_equals_alone(&CpuBackend::new(), Task::Classification { classes: 2 }, &all[1..2]);
}

#[test]
fn a_member_that_diverges_stops_alone_and_the_others_go_on() {
    let mut members = members(2);
    members[2].1.learning_rate = 1e4;
    let outcomes = fused_equals_alone(&CpuBackend::new(), Task::Classification { classes: 2 }, &members);
    assert!(outcomes[2].stopped.is_some(), "the runaway member stopped: {:?}", outcomes[2].stopped);
    assert!(outcomes.iter().enumerate().all(|(k, o)| k == 2 || (o.stopped.is_none() && o.history.len() == 12)));
}

#[test]
fn networks_that_cannot_stack_are_refused_with_the_member_at_fault() {
    let cpu = CpuBackend::new();
    let task = Task::Classification { classes: 2 };
    let mut specs: Vec<_> = members(2).into_iter().map(|(s, _)| s).collect();
    specs[3].layers[0] = dense(10, Activation::Relu);
    let error = ModelStack::new(&cpu, &specs, task, 1).err().unwrap();
    assert!(matches!(error, StackError::NotStackable { member: 3, .. }), "{error}");
    assert_eq!(error.to_string(), "network 3: its dense widths [10, 8, 2] differ from the first network's [12, 8, 2]");

    let conv = ModelSpec {
        input: vec![1, 6, 6],
        layers: vec![
            LayerSpec::Conv2d { filters: 2, kernel: 3, stride: 1, padding: 0, activation: Activation::Relu },
            dense(2, Activation::Identity),
        ],
    };
    let error = ModelStack::new(&cpu, &[conv], task, 1).err().unwrap();
    assert_eq!(error.to_string(), "network 0: it has a conv2d layer, and only dense networks stack");
    let error = ModelStack::new(&cpu, &vec![specs[0].clone(); 17], task, 1).err().unwrap();
    assert_eq!(error.to_string(), "a stack needs between 1 and 16 networks, not 17");
}

fn spiral_config(strategy: StrategyConfig, trials: usize) -> SearchConfig {
    let space: SearchSpace = serde_json::from_str(
        r#"{"family": "mlp", "dense": {"depth": {"min": 1, "max": 2}, "widths": [8, 16]}, "activations": ["relu", "tanh", "sigmoid"],
            "dropout": [0, 0.2], "optimizers": ["sgd", "adam"], "learning_rate": {"min": 0.003, "max": 0.03, "steps": 2},
            "batch_sizes": [16], "epochs": 3}"#,
    )
    .unwrap();
    let data = DataSpec::new(DataSource::Toy2d(Toy2dSpec { set: Toy2d::Spiral, samples: 300, seed: 1, ..Toy2dSpec::default() }));
    SearchConfig { space, data, strategy, budget: Budget::trials(trials), seed: 5, objective: None }
}

/// Each trial's network, settings, curve (timing left out) and failure, from a search run on
/// `device` with trials fused `fuse` at a time.
fn search_trials(config: &SearchConfig, device: Device, fuse: usize) -> Vec<String> {
    let mut evaluator = TrainingEvaluator::new(device, config, config.data.load().unwrap());
    let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
    let mut host = RecordingHost::default();
    match fuse {
        1 => pollster::block_on(run_search(&mut search, &mut evaluator, &mut host)),
        _ => pollster::block_on(run_search_fused(&mut search, &mut evaluator, fuse, &mut host)),
    };
    assert_eq!(search.trials().len(), config.budget.trials.unwrap());
    search
        .trials()
        .iter()
        .map(|t| {
            let result = &t.result;
            let history = without_clock(&result.history);
            format!("{} {}: {:?} {:?} {}", t.id, t.proposal.candidate.label(), history, result.failure, result.parameters)
        })
        .collect()
}

#[test]
fn a_grid_search_run_fused_gives_every_trial_the_figures_it_has_alone() {
    let config = spiral_config(StrategyConfig::Grid, 24);
    // The grid's order keeps members of one shape close, so windows of 8 fuse into stacks.
    let evaluator = TrainingEvaluator::new(Device::cpu(), &config, config.data.load().unwrap());
    let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
    let drawn: Vec<_> = (0..8)
        .map(|_| match search.next(8) {
            nas_playground::nas::search::Next::Trial { id, proposal } => (id, proposal),
            other => panic!("the grid has 8 trials to hand out at once, not {other:?}"),
        })
        .collect();
    let stacks: Vec<usize> = fusion_groups(&evaluator, drawn, 8).iter().map(Vec::len).collect();
    assert!(stacks.iter().any(|&n| n > 1), "the first 8 trials train as stacks of {stacks:?}");
    let alone = search_trials(&config, Device::cpu(), 1);
    let fused = search_trials(&config, Device::cpu(), 8);
    for (a, f) in alone.iter().zip(&fused) {
        assert_eq!(a, f);
    }
    let gpu_alone = search_trials(&config, Device::Gpu(std::rc::Rc::new(gpu())), 1);
    let gpu_fused = search_trials(&config, Device::Gpu(std::rc::Rc::new(gpu())), 8);
    for (a, f) in gpu_alone.iter().zip(&gpu_fused) {
        assert_eq!(a, f);
    }
}

#[test]
fn fused_trials_log_in_trial_order_with_every_epoch() {
    let config = spiral_config(StrategyConfig::Random, 8);
    let mut evaluator = TrainingEvaluator::new(Device::cpu(), &config, config.data.load().unwrap());
    let mut search = Search::new(config.clone(), Objective::ValidationAccuracy).unwrap();
    let mut host = RecordingHost::default();
    pollster::block_on(run_search_fused(&mut search, &mut evaluator, 8, &mut host));
    let mut order = LogOrder::new(0);
    let logged: Vec<_> = host.events.iter().flat_map(|e| order.push(e)).collect();
    let text = without_timing(&log_text(&logged));
    // Each trial's lines come together: started, its 3 epochs, finished.
    let trials: Vec<usize> = logged.iter().filter_map(|e| e.trial()).collect();
    let mut expected = Vec::new();
    for t in 0..8 {
        expected.extend([t; 5]);
    }
    assert_eq!(trials, expected, "{text}");
}
