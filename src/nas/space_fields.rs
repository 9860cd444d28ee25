//! The search-space editor's controls: one `FormField` per field of `SearchSpace` (its JSON
//! path, label, how it is typed, a sentence of help), and which family shows which.

/// How a field is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A whole number.
    Whole,
    /// A decimal number.
    Real,
    /// Whole numbers as a list ("8, 16, 32") or a range ("2 to 16 by 2").
    WholeChoices,
    /// A list of whole numbers.
    WholeList,
    /// A list of decimal numbers.
    RealList,
    /// Any of these names, as checkboxes.
    Names(&'static [&'static str]),
    /// One of these names.
    OneOf(&'static [&'static str]),
}

/// One control of the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormField {
    /// The field's path in the space's JSON, as `SpaceError.field` names it.
    pub path: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// A sentence for people and screen readers.
    pub help: &'static str,
}

impl FormField {
    /// Whether the control belongs to the CNN's conv blocks (shown only for that family).
    pub fn is_conv(&self) -> bool {
        self.path.starts_with("conv.")
    }

    /// Whether the control belongs to a GAN space's `gan` section (shown only for that family).
    pub fn is_gan(&self) -> bool {
        self.path.starts_with("gan.")
    }

    /// Whether the control is shown for a space of `family`: conv blocks for a cnn, the GAN
    /// section for a gan (which trains without dropout, L2 or decay).
    pub fn shown_for(&self, family: &str) -> bool {
        match family {
            "cnn" => !self.is_gan(),
            "gan" => !self.is_conv() && !matches!(self.path, "dropout" | "l2" | "lr_decay"),
            _ => !self.is_conv() && !self.is_gan(),
        }
    }

    /// The control's label for a space of `family`: in a gan space the dense layers and the
    /// learning rate are the generator's.
    pub fn label_for(&self, family: &str) -> &'static str {
        if family != "gan" {
            return self.label;
        }
        match self.path {
            "dense.depth.min" => "Generator layers, fewest",
            "dense.depth.max" => "Generator layers, most",
            "dense.widths" => "Generator widths",
            "learning_rate.min" => "Generator learning rate, lowest",
            "learning_rate.max" => "Generator learning rate, highest",
            "learning_rate.steps" => "Generator learning rates",
            "activations" => "Activations (each network draws one)",
            "epochs" => "Epochs per trial (rounds of iterations)",
            _ => self.label,
        }
    }

    /// An id for the page's control.
    pub fn id(&self) -> String {
        format!("space-{}", self.path.replace(['.', '_'], "-"))
    }
}

pub const ACTIVATION_NAMES: &[&str] = &["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "identity"];
pub const OPTIMIZER_NAMES: &[&str] = &["sgd", "momentum", "adam"];

/// Every field of `SearchSpace`, in the form's order.
pub const FORM_FIELDS: &[FormField] = &[
    FormField {
        path: "family",
        label: "Family",
        kind: FieldKind::OneOf(&["mlp", "cnn", "gan"]),
        help: "mlp: dense layers only; cnn: convolution blocks, then dense layers; gan: a generator and a discriminator on a 2D target",
    },
    FormField {
        path: "conv.depth.min",
        label: "Conv blocks, fewest",
        kind: FieldKind::Whole,
        help: "the fewest convolution blocks a network has",
    },
    FormField {
        path: "conv.depth.max",
        label: "Conv blocks, most",
        kind: FieldKind::Whole,
        help: "the most convolution blocks a network has",
    },
    FormField {
        path: "conv.filters",
        label: "Filters",
        kind: FieldKind::WholeChoices,
        help: "filters a block may have: a list (8, 16, 32) or a range (8 to 32 by 8)",
    },
    FormField {
        path: "conv.kernels",
        label: "Kernel sizes",
        kind: FieldKind::WholeChoices,
        help: "kernel sizes a block may have (odd numbers keep the map's size)",
    },
    FormField { path: "conv.pooling", label: "After a block", kind: FieldKind::Names(&["none", "max"]), help: "none, or a 2x2 max pool" },
    FormField {
        path: "conv.padding",
        label: "Padding",
        kind: FieldKind::OneOf(&["same", "valid"]),
        help: "same keeps the map's size; valid shrinks it",
    },
    FormField { path: "dense.depth.min", label: "Hidden layers, fewest", kind: FieldKind::Whole, help: "the fewest hidden dense layers" },
    FormField { path: "dense.depth.max", label: "Hidden layers, most", kind: FieldKind::Whole, help: "the most hidden dense layers" },
    FormField {
        path: "dense.widths",
        label: "Widths",
        kind: FieldKind::WholeChoices,
        help: "units a hidden layer may have: a list (16, 32, 64) or a range (2 to 16 by 2)",
    },
    FormField {
        path: "activations",
        label: "Activations",
        kind: FieldKind::Names(ACTIVATION_NAMES),
        help: "one activation per network, used by every hidden layer",
    },
    FormField {
        path: "dropout",
        label: "Dropout",
        kind: FieldKind::RealList,
        help: "dropout rates after every hidden layer, from 0 up to below 1",
    },
    FormField { path: "optimizers", label: "Optimizers", kind: FieldKind::Names(OPTIMIZER_NAMES), help: "sgd, momentum (0.9) or adam" },
    FormField { path: "learning_rate.min", label: "Learning rate, lowest", kind: FieldKind::Real, help: "the lowest learning rate tried" },
    FormField {
        path: "learning_rate.max",
        label: "Learning rate, highest",
        kind: FieldKind::Real,
        help: "the highest learning rate tried",
    },
    FormField {
        path: "learning_rate.steps",
        label: "Learning rates",
        kind: FieldKind::Whole,
        help: "how many rates, spaced evenly on a log scale",
    },
    FormField { path: "batch_sizes", label: "Batch sizes", kind: FieldKind::WholeList, help: "samples per step, e.g. 16, 32" },
    FormField {
        path: "epochs",
        label: "Epochs per trial",
        kind: FieldKind::Whole,
        help: "the most epochs one trial trains (halving also tries fewer)",
    },
    FormField { path: "l2", label: "L2 penalty", kind: FieldKind::Real, help: "fixed for every trial; 0 for none" },
    FormField {
        path: "gan.discriminator.depth.min",
        label: "Discriminator layers, fewest",
        kind: FieldKind::Whole,
        help: "the fewest hidden layers the discriminator has (its layers share one width)",
    },
    FormField {
        path: "gan.discriminator.depth.max",
        label: "Discriminator layers, most",
        kind: FieldKind::Whole,
        help: "the most hidden layers the discriminator has",
    },
    FormField {
        path: "gan.discriminator.widths",
        label: "Discriminator widths",
        kind: FieldKind::WholeChoices,
        help: "units the discriminator's layers may have: a list (16, 32, 64) or a range",
    },
    FormField {
        path: "gan.discriminator_learning_rate.min",
        label: "Discriminator learning rate, lowest",
        kind: FieldKind::Real,
        help: "the lowest learning rate the discriminator tries",
    },
    FormField {
        path: "gan.discriminator_learning_rate.max",
        label: "Discriminator learning rate, highest",
        kind: FieldKind::Real,
        help: "the highest learning rate the discriminator tries",
    },
    FormField {
        path: "gan.discriminator_learning_rate.steps",
        label: "Discriminator learning rates",
        kind: FieldKind::Whole,
        help: "how many rates, spaced evenly on a log scale",
    },
    FormField {
        path: "gan.d_steps",
        label: "D steps per G step",
        kind: FieldKind::WholeList,
        help: "discriminator steps before each generator step, e.g. 1, 2",
    },
    FormField {
        path: "gan.losses",
        label: "Losses",
        kind: FieldKind::Names(&["non_saturating", "least_squares"]),
        help: "non-saturating (Goodfellow et al.) or least squares (LSGAN)",
    },
    FormField {
        path: "gan.noise_dims",
        label: "Noise dimensions",
        kind: FieldKind::WholeList,
        help: "how many numbers of noise the generator starts from, e.g. 1, 2, 4",
    },
    FormField {
        path: "gan.iterations_per_epoch",
        label: "Iterations per epoch",
        kind: FieldKind::Whole,
        help: "GAN iterations between two measurements of the samples",
    },
    FormField {
        path: "lr_decay",
        label: "Learning-rate decay",
        kind: FieldKind::Real,
        help: "the rate is multiplied by this after every epoch; 1 keeps it",
    },
];
