//! A drawing made on the page as the image sets' images were made: the ink's bounding box scaled
//! to fit 20 x 20 pixels (keeping its shape), placed in a 28 x 28 field so that its centre of
//! mass is the field's centre, values from 0 (paper) to 1 (ink), as in MNIST.

/// The side of the image the networks take.
pub const SIDE: usize = 28;
/// The side of the box the ink is scaled into.
const INK_BOX: f32 = 20.0;

/// `ink` is `width` x `height` values in [0, 1], row by row; None when nothing was drawn.
pub fn digit_from_ink(ink: &[f32], width: usize, height: usize) -> Option<Vec<f32>> {
    assert_eq!(ink.len(), width * height, "ink for a {width} x {height} pad");
    let inked = |x: usize, y: usize| ink[y * width + x] > 0.01;
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..height {
        for x in 0..width {
            if inked(x, y) {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    if x0 == usize::MAX {
        return None;
    }
    let (box_width, box_height) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
    let scale = INK_BOX / box_width.max(box_height);
    // Each source pixel's ink is averaged into the target pixel it lands in.
    let (mut sum, mut count) = (vec![0.0f32; SIDE * SIDE], vec![0u32; SIDE * SIDE]);
    let (offset_x, offset_y) = ((SIDE as f32 - box_width * scale) / 2.0, (SIDE as f32 - box_height * scale) / 2.0);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let tx = ((x - x0) as f32 * scale + offset_x) as usize;
            let ty = ((y - y0) as f32 * scale + offset_y) as usize;
            let at = ty.min(SIDE - 1) * SIDE + tx.min(SIDE - 1);
            sum[at] += ink[y * width + x];
            count[at] += 1;
        }
    }
    let small: Vec<f32> = sum.iter().zip(&count).map(|(s, &c)| if c > 0 { (s / c as f32).clamp(0.0, 1.0) } else { 0.0 }).collect();
    // Move the centre of mass to the middle, by whole pixels.
    let total: f32 = small.iter().sum();
    let (mut cx, mut cy) = (0.0, 0.0);
    for (i, &v) in small.iter().enumerate() {
        cx += (i % SIDE) as f32 * v / total;
        cy += (i / SIDE) as f32 * v / total;
    }
    let centre = (SIDE as f32 - 1.0) / 2.0;
    let (dx, dy) = ((centre - cx).round() as isize, (centre - cy).round() as isize);
    let mut image = vec![0.0; SIDE * SIDE];
    for y in 0..SIDE as isize {
        for x in 0..SIDE as isize {
            let (sx, sy) = (x - dx, y - dy);
            if (0..SIDE as isize).contains(&sx) && (0..SIDE as isize).contains(&sy) {
                image[(y as usize) * SIDE + x as usize] = small[sy as usize * SIDE + sx as usize];
            }
        }
    }
    Some(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_pad_gives_nothing() {
        assert_eq!(digit_from_ink(&[0.0; 100], 10, 10), None);
    }

    #[test]
    fn a_stroke_anywhere_is_scaled_into_the_box_and_centred() {
        // A vertical bar 10 wide and 200 tall in the top-left corner of a 280 x 280 pad.
        let (w, h) = (280, 280);
        let mut ink = vec![0.0; w * h];
        for y in 10..210 {
            for x in 5..15 {
                ink[y * w + x] = 1.0;
            }
        }
        let image = digit_from_ink(&ink, w, h).unwrap();
        let rows: Vec<usize> = (0..SIDE).filter(|&y| (0..SIDE).any(|x| image[y * SIDE + x] > 0.5)).collect();
        let cols: Vec<usize> = (0..SIDE).filter(|&x| (0..SIDE).any(|y| image[y * SIDE + x] > 0.5)).collect();
        assert_eq!(rows.len(), 20, "the tall side fills the 20-pixel box: {rows:?}");
        assert_eq!((rows[0], rows[19]), (4, 23));
        assert!(cols.len() <= 2, "10 / 200 of 20 pixels wide: {cols:?}");
        assert!((13..=14).contains(&cols[0]), "centred: {cols:?}");
        assert!(image.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
