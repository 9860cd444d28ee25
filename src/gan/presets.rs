//! The GAN lab's lessons: one click each, with what to look for. Each claim is checked natively
//! (tests/gan.rs runs every lesson for its iterations and measures what the guide says).

use super::link::GanSetup;
use super::spec::GanSpec;
use super::targets::Target2d;

pub struct GanLesson {
    pub id: &'static str,
    pub title: &'static str,
    /// What to look for, in two or three sentences.
    pub guide: &'static str,
    /// Iterations after which the guide's claim shows (the tests measure there).
    pub iterations: usize,
    pub setup: GanSetup,
}

/// Every lesson, in the order the menu lists them.
pub fn gan_lessons() -> Vec<GanLesson> {
    let default = GanSpec::default();
    let mut tiny = default.clone();
    (tiny.generator.depth, tiny.generator.width) = (1, 4);
    let mut strong_critic = default.clone();
    strong_critic.d_steps = 5;
    strong_critic.discriminator_optimizer.learning_rate = 5e-3;
    let mut hasty = default.clone();
    hasty.generator_optimizer.learning_rate = 0.02;
    hasty.discriminator_optimizer.learning_rate = 0.02;
    let mut line = default.clone();
    line.noise.dim = 1;
    let ring = || Target2d::ring();
    vec![
        GanLesson {
            id: "ring",
            title: "The ring of eight: does G find every mode?",
            guide: "Press play and watch the purple points leave the middle for the green spots. Modes covered climbs to 8 of 8 within about 1,500 iterations; the share of high-quality points keeps rising after that as each cluster tightens.",
            iterations: 3_000,
            setup: GanSetup { target: ring(), gan: default.clone() },
        },
        GanLesson {
            id: "collapse",
            title: "Mode collapse: a generator too small",
            guide: "G has one hidden layer of 4 units. It cannot bend the noise plane round eight spots, so it settles on one or two and puts nearly all its points there: few modes covered, yet most points high quality. Compare the mesh with the ring lesson's.",
            iterations: 3_000,
            setup: GanSetup { target: ring(), gan: tiny },
        },
        GanLesson {
            id: "strong-critic",
            title: "A discriminator too strong",
            guide: "D takes five steps, at five times the learning rate, for every G step. Its green islands shrink onto the modes G has found, the arrows elsewhere fade, and G stops looking for the rest: about half the modes stay uncovered.",
            iterations: 3_000,
            setup: GanSetup { target: ring(), gan: strong_critic },
        },
        GanLesson {
            id: "hasty",
            title: "Learning rates too high",
            guide: "Both networks learn twenty times faster than the default. Watch the losses jump and the purple points swing from one spot to the next: the two chase each other instead of settling, and only a couple of modes are covered at any time.",
            iterations: 3_000,
            setup: GanSetup { target: ring(), gan: hasty },
        },
        GanLesson {
            id: "line-noise",
            title: "One noise dimension: a line through the modes",
            guide: "G gets a single noise number, so all it can draw is a curve. Turn on the mesh: the curve threads from mode to mode, and the points on its way between modes are never high quality. Fewer modes are reached than with two dimensions.",
            iterations: 3_000,
            setup: GanSetup { target: ring(), gan: line },
        },
        GanLesson {
            id: "grid",
            title: "The grid of 25: a harder target",
            guide: "Twenty-five modes, spread wide. Modes covered climbs quickly past 15, then slowly: it takes some 20,000 iterations to reach 23 or 24, and the high-quality share rises slowest of all.",
            iterations: 3_000,
            setup: GanSetup { target: Target2d::grid(), gan: default },
        },
    ]
}
