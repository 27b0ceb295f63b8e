//! The document of a size, from a seed: the spec's `generate`, draw for draw.

use super::{Document, Layer, Value};
use crate::random::draw;
use crate::{CoreError, CoreResult};

/// The largest size [`generate`] makes (bytes of JSON).
pub const MAX_SIZE: u64 = 1 << 32;

const KINDS: [&str; 6] = [
    "dense",
    "conv2d",
    "attention",
    "norm",
    "embedding",
    "dropout",
];
const TAG_WORDS: [&str; 7] = [
    "baseline",
    "größe",
    "模型",
    "fine-tuned",
    "🚀",
    "café",
    "experimental",
];
const METRIC_NAMES: [&str; 4] = ["loss", "accuracy", "val_loss", "val_accuracy"];
const SPECIAL_FLOATS: [f64; 4] = [-0.0, 5e-324, 1.797_693_134_862_315_7e308, -2.5e-8];

/// How many hyperparameters, layers, metrics, values per metric and tags (the spec's `counts`).
fn counts(size: u64) -> (u64, u64, u64, u64, u64) {
    let hyperparameters = 4 + size / 2_800;
    let layers = 4 + size / 170;
    let metrics = 3 + size / 250_000;
    let points = (size * 2 / 5 / (15 * metrics)).max(4);
    let tags = 2 + size / 5_600;
    (hyperparameters, layers, metrics, points, tags)
}

/// Draws of one stream, in order.
struct Draws {
    seed: u64,
    index: u64,
}

impl Draws {
    fn next(&mut self) -> u64 {
        self.index += 1;
        draw(self.seed, self.index - 1)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1_u64 << 53) as f64)
    }
}

/// Reserves room for `count` more items, or `OutOfMemory`.
fn reserve<T>(items: &mut Vec<T>, count: u64) -> CoreResult<()> {
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    items
        .try_reserve_exact(count)
        .map_err(|_| CoreError::OutOfMemory {
            bytes: count.saturating_mul(std::mem::size_of::<T>()),
        })
}

/// The document of about `size` bytes of JSON made from `seed` (see the spec's `generate`).
/// `InvalidValue` past [`MAX_SIZE`].
pub fn generate(size: u64, seed: u64) -> CoreResult<Document> {
    if size > MAX_SIZE {
        return Err(CoreError::InvalidValue(format!(
            "generate: size must be in 0 .. {MAX_SIZE}, got {size}"
        )));
    }
    let (n_hyper, n_layers, n_metrics, points, n_tags) = counts(size);
    // The largest parts, reserved fallibly: a size that does not fit is `OutOfMemory`.
    let mut layers: Vec<Layer> = Vec::new();
    reserve(&mut layers, n_layers)?;
    let mut hyperparameters = Vec::new();
    reserve(&mut hyperparameters, n_hyper)?;
    let mut tags = Vec::new();
    reserve(&mut tags, n_tags)?;
    let mut draws = Draws { seed, index: 0 };
    let name = format!("model-{:05}", draws.next() % 100_000);
    let version = (draws.next() % 1_000) as i64;
    let d = draws.next();
    let created = format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + d % 12,
        1 + (d >> 8) % 28,
        (d >> 16) % 24,
        (d >> 24) % 60,
        (d >> 32) % 60
    );
    let d = draws.next();
    let description = (d & 1 != 0).then(|| format!("A generated model card — {n_layers} layers"));
    let parent = (d & 2 != 0).then(|| format!("model-{:05}", (d >> 8) % 100_000));
    for i in 0..n_hyper {
        let d = draws.next();
        let rest = d >> 2;
        let value = match d % 4 {
            0 => Value::Int((rest % 2_000_001) as i64 - 1_000_000),
            1 => Value::Float(draws.uniform() * 20.0 - 10.0),
            2 => Value::Str(format!("value-{}", rest % 1_000)),
            _ => Value::Bool(rest & 1 == 1),
        };
        hyperparameters.push((format!("param_{i}"), value));
    }
    for i in 0..n_layers {
        let d = draws.next();
        let shape: Vec<i64> = (0..1 + d % 4)
            .map(|j| (1 + (d >> (8 + 10 * j)) % 1_024) as i64)
            .collect();
        layers.push(Layer {
            name: format!("layer_{i}"),
            kind: KINDS[((d >> 48) % 6) as usize].to_owned(),
            parameters: shape.iter().product(),
            shape,
        });
    }
    let mut metrics = Vec::with_capacity(n_metrics as usize);
    for m in 0..n_metrics {
        let mut values: Vec<f64> = Vec::new();
        reserve(&mut values, points)?;
        values.extend((0..points).map(|_| draws.uniform() * 2.0 - 0.5));
        if m == 0 {
            for (value, special) in values.iter_mut().zip(SPECIAL_FLOATS) {
                *value = special;
            }
        }
        let name = METRIC_NAMES
            .get(m as usize)
            .map_or_else(|| format!("metric_{m}"), |name| (*name).to_owned());
        metrics.push((name, values));
    }
    for _ in 0..n_tags {
        let d = draws.next();
        tags.push(if d.is_multiple_of(3) {
            TAG_WORDS[((d >> 2) % 7) as usize].to_owned()
        } else {
            format!("tag-{}", d % 500)
        });
    }
    Ok(Document {
        name,
        version,
        created,
        description,
        parent,
        hyperparameters,
        layers,
        metrics,
        tags,
    })
}
