//! The shipped image sets (10,000 MNIST digits and 10,000 Fashion-MNIST images in `www/data/`)
//! and the reader of their compact binary format, which `scripts/convert-mnist.mjs` writes.
//!
//! Format, version 1, all integers u32 little-endian, usually gzip-compressed as a whole:
//! ```text
//! 0   "NASD"                 magic
//! 4   version                1
//! 8   count                  images
//! 12  rows, 16 cols          image size (28, 28)
//! 20  classes                class count
//! 24  names_len              bytes of the names block
//! 28  names                  UTF-8 lines joined by '\n': the set's name, then one name per class
//! ..  pixels                 count * rows * cols bytes, image after image, row-major, 255 = ink
//! ..  labels                 count bytes, each below classes
//! ```

use std::io::Read;

use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};

use super::{DataError, Dataset, Targets};

pub const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
pub const FASHION_MNIST_CLASSES: [&str; 10] =
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

const MAGIC: &[u8; 4] = b"NASD";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 28;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Generous bounds that keep a damaged header from asking for gigabytes.
const MAX_SIDE: usize = 1024;
const MAX_IMAGES: usize = 1 << 20;
const MAX_PIXELS: u64 = 1 << 28;
const MAX_NAMES_LEN: usize = 1 << 16;

/// The image sets the playground ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageSet {
    Mnist,
    FashionMnist,
}

impl ImageSet {
    pub const ALL: [ImageSet; 2] = [ImageSet::Mnist, ImageSet::FashionMnist];

    /// The name the CLI, configs' data names and links use.
    pub fn name(self) -> &'static str {
        match self {
            ImageSet::Mnist => "mnist",
            ImageSet::FashionMnist => "fashion-mnist",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImageSet::Mnist => "MNIST digits",
            ImageSet::FashionMnist => "Fashion-MNIST",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            ImageSet::Mnist => "mnist-10k.bin.gz",
            ImageSet::FashionMnist => "fashion-mnist-10k.bin.gz",
        }
    }

    /// Where the page fetches it, relative to the page (Trunk copies `www/data` to `dist/data`).
    pub fn url(self) -> String {
        format!("data/{}", self.file_name())
    }

    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            ImageSet::Mnist => MNIST_CLASSES,
            ImageSet::FashionMnist => FASHION_MNIST_CLASSES,
        }
    }

    /// The file in this source tree (native builds run from a checkout: the CLI and the tests).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn bundled_path(self) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data").join(self.file_name())
    }

    /// Reads the file in this source tree.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_bundled(self) -> Result<Dataset, DataError> {
        read_image_set_file(&self.bundled_path())
    }
}

/// Reads an image set file from disk (native builds only).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_image_set_file(path: &std::path::Path) -> Result<Dataset, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::UnreadableFile { path: path.display().to_string(), message: e.to_string() })?;
    parse_image_set(&bytes)
}

/// Reads an image set from its bytes, gzip-compressed (as shipped) or not (as a server that
/// decompressed it in transit hands it over). Pixels become f32 in [0, 1], shape [1, rows, cols].
pub fn parse_image_set(bytes: &[u8]) -> Result<Dataset, DataError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        decode(&decompress(bytes)?)
    } else {
        decode(bytes)
    }
}

struct Header {
    count: usize,
    rows: usize,
    cols: usize,
    classes: usize,
    names_len: usize,
}

impl Header {
    fn parse(bytes: &[u8]) -> Result<Header, DataError> {
        if bytes.len() < MAGIC.len() || &bytes[..4] != MAGIC {
            return Err(DataError::NotAnImageSet);
        }
        if bytes.len() < HEADER_LEN {
            return Err(DataError::Truncated { expected: HEADER_LEN, found: bytes.len() });
        }
        let field = |i: usize| u32::from_le_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap());
        if field(0) != VERSION {
            return Err(DataError::UnsupportedVersion(field(0)));
        }
        let header = Header {
            count: field(1) as usize,
            rows: field(2) as usize,
            cols: field(3) as usize,
            classes: field(4) as usize,
            names_len: field(5) as usize,
        };
        let in_range = |value: usize, max: usize| (1..=max).contains(&value);
        if !(in_range(header.count, MAX_IMAGES)
            && in_range(header.rows, MAX_SIDE)
            && in_range(header.cols, MAX_SIDE)
            && in_range(header.classes, 256)
            && header.names_len <= MAX_NAMES_LEN
            // In u64, so a damaged header cannot overflow wasm32's 32-bit usize.
            && header.count as u64 * header.rows as u64 * header.cols as u64 <= MAX_PIXELS)
        {
            return Err(DataError::Corrupt(format!(
                "the header describes {} images of {}x{} in {} classes, which is out of range",
                header.count, header.rows, header.cols, header.classes
            )));
        }
        Ok(header)
    }

    fn pixels_len(&self) -> usize {
        self.count * self.rows * self.cols
    }

    /// The length of the whole uncompressed file.
    fn total_len(&self) -> usize {
        HEADER_LEN + self.names_len + self.pixels_len() + self.count
    }
}

/// Inflates the gzip stream, reading no more than the header says the file holds.
fn decompress(bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let broken = |e: std::io::Error| {
        DataError::Corrupt(match e.kind() {
            std::io::ErrorKind::UnexpectedEof => "the compressed data ends early: the file is incomplete".to_string(),
            _ => format!("the compressed data is broken ({e})"),
        })
    };
    let mut decoder = GzDecoder::new(bytes);
    let mut out = Vec::new();
    (&mut decoder).take(HEADER_LEN as u64).read_to_end(&mut out).map_err(broken)?;
    let total = Header::parse(&out)?.total_len();
    out.reserve_exact(total - out.len());
    (&mut decoder).take((total - out.len()) as u64).read_to_end(&mut out).map_err(broken)?;
    // Reading on to the end checks the gzip checksum and catches data beyond the labels.
    let mut beyond = Vec::new();
    decoder.read_to_end(&mut beyond).map_err(broken)?;
    if !beyond.is_empty() {
        return Err(DataError::Corrupt(format!("{} unexpected bytes follow the labels", beyond.len())));
    }
    Ok(out)
}

fn decode(bytes: &[u8]) -> Result<Dataset, DataError> {
    let header = Header::parse(bytes)?;
    let total = header.total_len();
    if bytes.len() < total {
        return Err(DataError::Truncated { expected: total, found: bytes.len() });
    }
    if bytes.len() > total {
        return Err(DataError::Corrupt(format!("{} unexpected bytes follow the labels", bytes.len() - total)));
    }
    let names_end = HEADER_LEN + header.names_len;
    let names =
        std::str::from_utf8(&bytes[HEADER_LEN..names_end]).map_err(|_| DataError::Corrupt("the names block is not UTF-8 text".into()))?;
    let mut names = names.split('\n');
    let name = names.next().unwrap_or_default().to_string();
    let class_names: Vec<String> = names.map(str::to_string).collect();
    if class_names.len() != header.classes {
        return Err(DataError::Corrupt(format!("the header says {} classes but names {}", header.classes, class_names.len())));
    }
    let pixels = &bytes[names_end..names_end + header.pixels_len()];
    let labels = &bytes[names_end + header.pixels_len()..];
    if let Some(index) = labels.iter().position(|&l| l as usize >= header.classes) {
        return Err(DataError::Corrupt(format!("image {index} has label {} but the set has {} classes", labels[index], header.classes)));
    }
    Ok(Dataset {
        name,
        features: pixels.iter().map(|&p| p as f32 / 255.0).collect(),
        feature_shape: vec![1, header.rows, header.cols],
        feature_names: Vec::new(),
        targets: Targets::Classes { labels: labels.iter().map(|&l| l as u32).collect(), class_names },
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    /// A tiny set in the shipped format: `count` images of 2x3, class i % 3.
    fn encode(count: u32, names: &str) -> Vec<u8> {
        let mut bytes = b"NASD".to_vec();
        for field in [VERSION, count, 2, 3, 3, names.len() as u32] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.extend_from_slice(names.as_bytes());
        bytes.extend((0..count * 6).map(|i| (i * 51 % 256) as u8));
        bytes.extend((0..count).map(|i| (i % 3) as u8));
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    const NAMES: &str = "tiny\nred\ngreen\nblue";

    #[test]
    fn reads_plain_and_gzip_bytes_alike() {
        let plain = encode(4, NAMES);
        let data = parse_image_set(&plain).unwrap();
        assert_eq!(parse_image_set(&gzip(&plain)).unwrap(), data);
        assert_eq!(data.name, "tiny");
        assert_eq!((data.len(), data.feature_shape.clone()), (4, vec![1, 2, 3]));
        assert_eq!(
            data.targets,
            Targets::Classes { labels: vec![0, 1, 2, 0], class_names: vec!["red".into(), "green".into(), "blue".into()] }
        );
        assert_eq!(data.sample(0), &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        data.validate().unwrap();
    }

    #[test]
    fn refuses_other_files_and_versions() {
        assert_eq!(parse_image_set(b"PK\x03\x04 a zip file"), Err(DataError::NotAnImageSet));
        assert_eq!(parse_image_set(&gzip(b"<html>not found</html>")), Err(DataError::NotAnImageSet));
        let mut newer = encode(1, NAMES);
        newer[4] = 2;
        assert_eq!(parse_image_set(&newer), Err(DataError::UnsupportedVersion(2)));
    }

    #[test]
    fn a_truncated_file_says_how_much_is_missing() {
        let plain = encode(4, NAMES);
        let cut = &plain[..plain.len() - 5];
        assert_eq!(parse_image_set(cut), Err(DataError::Truncated { expected: plain.len(), found: plain.len() - 5 }));
        // Cut inside the gzip stream, as an interrupted download would.
        let packed = gzip(&plain);
        let error = parse_image_set(&packed[..packed.len() / 2]).unwrap_err();
        assert!(matches!(error, DataError::Corrupt(_) | DataError::Truncated { .. }), "{error:?}");
        // A complete gzip stream around a truncated file.
        assert!(matches!(parse_image_set(&gzip(cut)), Err(DataError::Truncated { .. })));
    }

    #[test]
    fn corruption_is_caught() {
        let mut bad_label = encode(4, NAMES);
        *bad_label.last_mut().unwrap() = 7;
        assert_eq!(
            parse_image_set(&bad_label).unwrap_err().to_string(),
            "the image set is damaged: image 3 has label 7 but the set has 3 classes"
        );
        let mut flipped = gzip(&encode(4, NAMES));
        let crc_at = flipped.len() - 8;
        flipped[crc_at] ^= 0xff;
        assert!(matches!(parse_image_set(&flipped), Err(DataError::Corrupt(_))), "a wrong checksum is caught");
        let mut extra = encode(4, NAMES);
        extra.push(0);
        assert!(matches!(parse_image_set(&gzip(&extra)), Err(DataError::Corrupt(_))));
        assert!(matches!(parse_image_set(&encode(4, "tiny\nred")), Err(DataError::Corrupt(_))));
        let mut huge = encode(1, NAMES);
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(parse_image_set(&huge), Err(DataError::Corrupt(_))));
        // Each field in range, but together a terabyte of pixels: refused before any allocation.
        for (offset, value) in [(8, 1u32 << 20), (12, 1024), (16, 1024)] {
            huge[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
        }
        assert!(matches!(parse_image_set(&gzip(&huge)), Err(DataError::Corrupt(_))));
    }
}
