//! The counter-based generator the scenarios share: SplitMix64 by index.
//!
//! Value `i` of a stream depends on nothing but the stream and `i`, so any part of a sequence
//! can be made on its own (in parallel, or in Python) and still match.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output for counter `index + 1` of `stream`.
pub fn draw(stream: u64, index: u64) -> u64 {
    let mut z = stream.wrapping_add(index.wrapping_add(1).wrapping_mul(GOLDEN));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform value in `[0, 1)` from `draw(stream, index)`: its top 53 bits, scaled exactly.
pub fn uniform(stream: u64, index: u64) -> f64 {
    (draw(stream, index) >> 11) as f64 * (1.0 / (1_u64 << 53) as f64)
}
