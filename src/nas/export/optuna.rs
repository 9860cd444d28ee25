//! A search as a runnable Optuna study: the same space as Optuna distributions (every choice the
//! same list of values), the same network construction in PyTorch, an objective that trains on the
//! person's data (a CSV or an .npz file), and a storage URL so many machines can share one study.

use crate::engine::Activation;
use crate::nas::candidate::{activation_name, optimizer_name};
use crate::nas::config::SearchConfig;
use crate::nas::space::{Choices, Padding, Pooling};
use crate::nn::Optimizer;

const TEMPLATE: &str = r#"# An Optuna study over the same search space as a NAS Playground search (@STRATEGY@ there).
# Needs: pip install optuna torch numpy
#   python optuna_study.py --data my.csv --trials 40
#   python optuna_study.py --data digits.npz --storage sqlite:///study.db --study-name nas  # run on many machines
# A CSV has a header, feature columns, and the label (or target) last; an .npz holds x and y.
import argparse
import csv

import numpy as np
import optuna
import torch
from torch import nn

CLASSIFICATION = @CLASSIFICATION@
EPOCHS = @EPOCHS@
VALIDATION_SHARE = @VALIDATION@
L2 = @L2@  # added to every gradient (weight decay)
LR_DECAY = @LR_DECAY@  # the learning rate is multiplied by this after every epoch

ACTIVATIONS = {
@ACTIVATIONS@
}
OPTIMIZERS = {
@OPTIMIZERS@
}


def suggest(trial):
    """The space's decisions, each from the same values the search chose from."""
    p = {}
@CONV@
    p["dense_depth"] = trial.suggest_int("dense_depth", @DENSE_MIN@, @DENSE_MAX@)
    p["widths"] = [@WIDTH@ for i in range(p["dense_depth"])]
    p["activation"] = trial.suggest_categorical("activation", list(ACTIVATIONS))
    p["dropout"] = trial.suggest_categorical("dropout", @DROPOUT@)
    p["optimizer"] = trial.suggest_categorical("optimizer", list(OPTIMIZERS))
    p["learning_rate"] = trial.suggest_categorical("learning_rate", @RATES@)
    p["batch_size"] = trial.suggest_categorical("batch_size", @BATCHES@)
    return p


def build(p, shape, outputs):
    """The network as the search builds it: conv blocks, then dense layers, then the output."""
    layers = []
    if len(shape) == 3:
        channels, height, width = shape
        for block in range(p.get("conv_depth", 0)):
            kernel = p[f"kernel_{block}"]
            pad = kernel // 2 if @SAME@ else 0
            side = min(height, width)
            if kernel > side + 2 * pad:  # repaired as the search does: the largest odd kernel that fits
                kernel = side if side % 2 == 1 else max(side - 1, 1)
                pad = kernel // 2 if @SAME@ else 0
            layers += [nn.Conv2d(channels, p[f"filters_{block}"], kernel, padding=pad), ACTIVATIONS[p["activation"]]()]
            channels, height, width = p[f"filters_{block}"], height + 2 * pad - kernel + 1, width + 2 * pad - kernel + 1
            if p[f"pooling_{block}"] == "max" and min(height, width) >= 2:
                layers.append(nn.MaxPool2d(2))
                height, width = height // 2, width // 2
        layers.append(nn.Flatten())
        if p.get("conv_depth", 0) and p["dropout"] > 0:
            layers.append(nn.Dropout(p["dropout"]))
        features = channels * height * width
    else:
        features = shape[0]
    for units in p["widths"]:
        layers += [nn.Linear(features, units), ACTIVATIONS[p["activation"]]()]
        if p["dropout"] > 0:
            layers.append(nn.Dropout(p["dropout"]))
        features = units
    layers.append(nn.Linear(features, outputs))
    return nn.Sequential(*layers)


def load(path):
    """Features and labels from a CSV (label last) or an .npz (x, y); labels become indices."""
    if path.endswith(".npz"):
        data = np.load(path)
        x, labels = data["x"].astype(np.float32), data["y"]
    else:
        with open(path, newline="") as f:
            rows = [row for row in csv.reader(f) if row][1:]
        x = np.array([[float(v) for v in row[:-1]] for row in rows], dtype=np.float32)
        labels = np.array([row[-1] for row in rows])
        x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)
    if CLASSIFICATION:
        names = sorted(set(labels.tolist()))
        y = torch.tensor([names.index(v) for v in labels.tolist()])
        outputs = len(names)
    else:
        y = torch.tensor(labels.astype(np.float32)).reshape(len(labels), -1)
        outputs = y.shape[1]
    return torch.tensor(x), y, outputs


def objective(trial, x, y, outputs, seed):
    p = suggest(trial)
    torch.manual_seed(seed + trial.number)
    cut = int(len(x) * (1 - VALIDATION_SHARE))
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train, valid = order[:cut], order[cut:]
    model = build(p, tuple(x.shape[1:]), outputs)
    optimizer = OPTIMIZERS[p["optimizer"]](model.parameters(), p["learning_rate"])
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=LR_DECAY)
    loss_fn = nn.CrossEntropyLoss() if CLASSIFICATION else nn.MSELoss()
    for epoch in range(EPOCHS):
        model.train()
        shuffled = train[torch.randperm(len(train))]
        for start in range(0, len(shuffled), p["batch_size"]):
            batch = shuffled[start:start + p["batch_size"]]
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
        scheduler.step()
        model.eval()
        with torch.no_grad():
            out = model(x[valid])
            score = (out.argmax(1) == y[valid]).float().mean().item() if CLASSIFICATION else loss_fn(out, y[valid]).item()
        trial.report(score, epoch)
    return score


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="a CSV (label last) or an .npz with x and y")
    parser.add_argument("--trials", type=int, default=@TRIALS@)
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///study.db or a PostgreSQL URL, shared by many machines")
    parser.add_argument("--study-name", default="nas-playground")
    parser.add_argument("--seed", type=int, default=@SEED@)
    args = parser.parse_args()
    x, y, outputs = load(args.data)
    study = optuna.create_study(
        direction="maximize" if CLASSIFICATION else "minimize",
        storage=args.storage,
        study_name=args.study_name,
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=args.seed),
    )
    study.optimize(lambda trial: objective(trial, x, y, outputs, args.seed), n_trials=args.trials)
    print("best:", study.best_value, study.best_params)


if __name__ == "__main__":
    main()
"#;

fn torch_activation(activation: Activation) -> String {
    match activation {
        Activation::Identity => "nn.Identity()".into(),
        Activation::Relu => "nn.ReLU()".into(),
        Activation::LeakyRelu { slope } => format!("nn.LeakyReLU({slope})"),
        Activation::Sigmoid => "nn.Sigmoid()".into(),
        Activation::Tanh => "nn.Tanh()".into(),
        Activation::Gelu => "nn.GELU(approximate=\"tanh\")".into(),
    }
}

fn python_list<T: ToString>(values: impl IntoIterator<Item = T>) -> String {
    format!("[{}]", values.into_iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", "))
}

/// A choice of whole numbers as an Optuna call: a list is categorical, a range an int with a step.
fn choice(name: &str, choices: &Choices) -> String {
    match choices {
        Choices::List(values) => format!("trial.suggest_categorical({name}, {})", python_list(values)),
        Choices::Range { min, max, step } => format!("trial.suggest_int({name}, {min}, {max}, step={step})"),
    }
}

/// The study script for `config`'s space.
pub fn optuna_study(config: &SearchConfig, classification: bool) -> String {
    let space = &config.space;
    let activations: Vec<String> =
        space.activations.iter().map(|&a| format!("    \"{}\": lambda: {},", activation_name(a), torch_activation(a))).collect();
    let decay = "weight_decay=L2";
    let optimizers: Vec<String> = space
        .optimizers
        .iter()
        .map(|&o| {
            let make = match o {
                Optimizer::Sgd => format!("torch.optim.SGD(params, lr=lr, {decay})"),
                Optimizer::Momentum { momentum } => format!("torch.optim.SGD(params, lr=lr, momentum={momentum}, {decay})"),
                Optimizer::Adam => format!("torch.optim.Adam(params, lr=lr, {decay})"),
            };
            format!("    \"{}\": lambda params, lr: {make},", optimizer_name(o))
        })
        .collect();
    let conv = match &space.conv {
        None => String::new(),
        Some(conv) => {
            let pooling: Vec<String> =
                conv.pooling.iter().map(|p| format!("\"{}\"", if *p == Pooling::Max { "max" } else { "none" })).collect();
            format!(
                "    p[\"conv_depth\"] = trial.suggest_int(\"conv_depth\", {}, {})\n    for block in range(p[\"conv_depth\"]):\n        p[f\"filters_{{block}}\"] = {}\n        p[f\"kernel_{{block}}\"] = {}\n        p[f\"pooling_{{block}}\"] = trial.suggest_categorical(f\"pooling_{{block}}\", [{}])",
                conv.depth.min,
                conv.depth.max,
                choice("f\"filters_{block}\"", &conv.filters),
                choice("f\"kernel_{block}\"", &conv.kernels),
                pooling.join(", ")
            )
        }
    };
    let same = space.conv.as_ref().is_none_or(|c| c.padding == Padding::Same);
    let python_bool = |b: bool| if b { "True" } else { "False" };
    TEMPLATE
        .replace("@STRATEGY@", config.strategy.name())
        .replace("@CLASSIFICATION@", python_bool(classification))
        .replace("@EPOCHS@", &space.epochs.to_string())
        .replace("@VALIDATION@", &config.data.split.validation.to_string())
        .replace("@L2@", &space.l2.to_string())
        .replace("@LR_DECAY@", &space.lr_decay.to_string())
        .replace("@ACTIVATIONS@", &activations.join("\n"))
        .replace("@OPTIMIZERS@", &optimizers.join("\n"))
        .replace("@CONV@", &conv)
        .replace("@DENSE_MIN@", &space.dense.depth.min.to_string())
        .replace("@DENSE_MAX@", &space.dense.depth.max.to_string())
        .replace("@WIDTH@", &choice("f\"width_{i}\"", &space.dense.widths))
        .replace("@DROPOUT@", &python_list(space.dropout.iter()))
        .replace("@RATES@", &python_list(space.learning_rates()))
        .replace("@BATCHES@", &python_list(space.batch_sizes.iter()))
        .replace("@SAME@", python_bool(same))
        .replace("@TRIALS@", &config.budget.trials.unwrap_or(40).to_string())
        .replace("@SEED@", &config.seed.to_string())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::python::tests::python_parses;
    use super::*;
    use crate::nas::Experiment;

    #[test]
    fn the_study_script_carries_every_choice_of_the_space() {
        for name in ["spiral-mlp", "mnist-cnn", "optuna-mnist"] {
            let mut experiment = Experiment::new(1);
            experiment.space = crate::nas::experiment::example_space(name).unwrap();
            experiment.data = if name == "spiral-mlp" { "spiral".into() } else { "mnist".into() };
            let config = experiment.config().unwrap();
            let script = optuna_study(&config, true);
            python_parses(&script).unwrap_or_else(|e| panic!("{name}: {e}\n{script}"));
            assert!(!script.contains('@'), "{name}: a placeholder is left");
            for rate in config.space.learning_rates() {
                assert!(script.contains(&rate.to_string()), "{name}: no learning rate {rate}");
            }
            for activation in &config.space.activations {
                assert!(script.contains(&format!("\"{}\"", activation_name(*activation))), "{name}");
            }
            assert_eq!(script.contains("suggest_int(\"conv_depth\""), config.space.conv.is_some(), "{name}");
        }
    }
}
