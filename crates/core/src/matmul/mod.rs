//! Scenario 8, `matmul`: the project's own matrix product, `C = A B`, in `f64` and `f32`.
//!
//! The semantics are those of the pure-Python spec, `python/ffibench/pure/matmul.py`: any
//! `m x k` times `k x n` (zero-size dimensions included), NaN and infinities propagating as
//! IEEE 754 arithmetic makes them, and a result within `2 (k + 1) eps (|A| |B|)` of the exact
//! product, entry by entry. The summation order is not specified, so the three paths below
//! may round differently from each other and from NumPy, within that bound.
//!
//! Three paths, chosen by size:
//!
//! - [`reference`]: the naive triple loop, kept as the readable definition and the tests'
//!   yardstick.
//! - the small path (every dimension at most [`SMALL`]): no packing, no allocation, one
//!   thread, loops the compiler vectorises, compiled once per instruction set. At these sizes
//!   the call is all overhead, so the point is to do nothing else.
//! - the blocked path: BLIS's five loops. `B` is packed into `KC x NR` panels (in parallel),
//!   `A` into `MR x KC` panels per thread, and a register-blocked micro-kernel chosen at run
//!   time ([`Isa`]: AVX-512, AVX2 + FMA, or portable code) computes each `MR x NR` tile of
//!   `C`. Above [`PARALLEL_MIN_FLOP`] the rows of `C` are split between rayon's threads.
//!
//! Matrices are read through [`MatrixRef`]: a slice with non-negative row and column strides
//! in elements, so row-major (C-ordered) and column-major (Fortran-ordered) data, and
//! sub-matrices of a larger one, are read in place. The output is always row-major.

mod faer;
mod kernels;
pub mod peak;

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::{CoreError, CoreResult};

pub use faer::{faer_matmul, faer_matmul_into};
pub use kernels::Isa;

/// Every dimension at most this goes through the small, allocation-free path.
pub const SMALL: usize = 16;
/// Products of at least this many floating-point operations (`2 m n k`) use every thread.
pub const PARALLEL_MIN_FLOP: u128 = 2 * 128 * 128 * 128;
/// Depth of a packed block: `KC x NR` of `B` should stay in L1, `MC x KC` of `A` in L2.
const KC: usize = 256;
/// Rows of `A` packed at a time (a multiple of every kernel's `MR`).
const MC: usize = 144;
/// Columns of `B` packed at a time (`KC x NC` in L3).
const NC: usize = 4096;

/// A floating-point type the kernels multiply: `f64` or `f32`.
pub trait Element:
    Copy
    + Send
    + Sync
    + Default
    + PartialEq
    + std::fmt::Debug
    + std::ops::Add<Output = Self>
    + std::ops::Mul<Output = Self>
    + 'static
{
    /// Zero, the value of an empty sum.
    const ZERO: Self;
    /// One, faer's scale factor.
    #[doc(hidden)]
    const ONE: Self;
    /// One half, the constant of the FMA throughput loop.
    #[doc(hidden)]
    const HALF: Self;
    /// The type's name in messages: `float64` or `float32`.
    const NAME: &'static str;
    /// The unit roundoff's double, machine epsilon (`2^-52` or `2^-23`), as `f64`.
    const EPSILON: f64;
    /// The value as `f64` (exact for both types).
    fn to_f64(self) -> f64;
    /// The micro-kernel of this type for `isa`.
    #[doc(hidden)]
    fn micro_kernel(isa: Isa) -> kernels::MicroKernel<Self>;
    /// faer's product of this type (see [`faer_matmul`]).
    #[doc(hidden)]
    fn faer_product(a: &MatrixRef<'_, Self>, b: &MatrixRef<'_, Self>, out: &mut [Self]);
    /// The FMA throughput loop of this type for `isa` (see [`peak`]).
    #[doc(hidden)]
    fn fma_throughput(isa: Isa) -> unsafe fn(u64) -> Self;
    /// The small-path product of this type for `isa`.
    #[doc(hidden)]
    fn small_product(isa: Isa) -> kernels::SmallProduct<Self>;
}

/// A read-only matrix: `rows x cols` elements of a slice, element `(i, j)` at
/// `i * row_stride + j * col_stride`.
#[derive(Clone, Copy, Debug)]
pub struct MatrixRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T: Element> MatrixRef<'a, T> {
    /// A view of `data` with these dimensions and strides (in elements).
    /// [`CoreError::InvalidValue`] when an element would lie outside `data`.
    pub fn new(
        data: &'a [T],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> CoreResult<Self> {
        if rows > 0 && cols > 0 {
            let last = (rows - 1)
                .checked_mul(row_stride)
                .and_then(|offset| {
                    (cols - 1)
                        .checked_mul(col_stride)
                        .and_then(|more| offset.checked_add(more))
                })
                .filter(|&last| last < data.len());
            if last.is_none() {
                return Err(CoreError::InvalidValue(format!(
                    "a {rows} x {cols} matrix with strides ({row_stride}, {col_stride}) does \
                     not fit in {} elements",
                    data.len()
                )));
            }
        }
        Ok(Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        })
    }

    /// A row-major (C-ordered) `rows x cols` view of `data`.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> CoreResult<Self> {
        Self::new(data, rows, cols, cols, 1)
    }

    /// A column-major (Fortran-ordered) `rows x cols` view of `data`.
    pub fn column_major(data: &'a [T], rows: usize, cols: usize) -> CoreResult<Self> {
        Self::new(data, rows, cols, 1, rows)
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The addresses of the first byte and one past the last of the elements it spans, or
    /// `None` when it is empty.
    pub fn span_bytes(&self) -> Option<(usize, usize)> {
        if self.rows == 0 || self.cols == 0 {
            return None;
        }
        let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
        let start = self.data.as_ptr().addr();
        Some((start, start + (last + 1) * size_of::<T>()))
    }

    /// Every element in row-major order, copied.
    pub fn values(&self) -> Vec<T> {
        (0..self.rows)
            .flat_map(|row| (0..self.cols).map(move |col| self.at(row, col)))
            .collect()
    }

    /// Element `(row, col)`; panics outside the matrix (a bug in this module, never input).
    #[inline(always)]
    fn at(&self, row: usize, col: usize) -> T {
        self.data[row * self.row_stride + col * self.col_stride]
    }

    /// Row `row` as a slice when the columns are adjacent (`col_stride == 1`).
    #[inline(always)]
    fn row(&self, row: usize) -> Option<&'a [T]> {
        if self.col_stride != 1 {
            return None;
        }
        let start = row * self.row_stride;
        self.data.get(start..start + self.cols)
    }
}

/// The shape of `a b`, or why there is none.
fn product_shape<T: Element>(
    a: &MatrixRef<'_, T>,
    b: &MatrixRef<'_, T>,
) -> CoreResult<(usize, usize)> {
    if a.cols != b.rows {
        return Err(CoreError::InvalidValue(format!(
            "matmul: shapes ({}, {}) and ({}, {}) do not match: a has {} columns, b {} rows",
            a.rows, a.cols, b.rows, b.cols, a.cols, b.rows
        )));
    }
    let len = a.rows.checked_mul(b.cols).ok_or_else(|| {
        CoreError::InvalidValue(format!(
            "matmul: a {} x {} result has too many elements",
            a.rows, b.cols
        ))
    })?;
    Ok((a.rows, len))
}

/// The number of threads a large product runs on (rayon's pool).
pub fn threads() -> usize {
    rayon::current_num_threads()
}

/// The instruction set the kernels use on this machine, detected once.
pub fn isa() -> Isa {
    static DETECTED: OnceLock<Isa> = OnceLock::new();
    *DETECTED.get_or_init(Isa::detect)
}

/// `a b` as a new row-major `a.rows() x b.cols()` matrix, with this machine's kernel.
pub fn matmul<T: Element>(a: MatrixRef<'_, T>, b: MatrixRef<'_, T>) -> CoreResult<Vec<T>> {
    let (_, len) = product_shape(&a, &b)?;
    let mut out = Vec::new();
    out.try_reserve_exact(len)
        .map_err(|_| CoreError::OutOfMemory {
            bytes: len.saturating_mul(size_of::<T>()),
        })?;
    out.resize(len, T::ZERO);
    matmul_into(a, b, &mut out)?;
    Ok(out)
}

/// Writes `a b` into `out`, row-major, which must hold exactly `a.rows() * b.cols()`
/// elements; allocates nothing when every dimension is at most [`SMALL`].
pub fn matmul_into<T: Element>(
    a: MatrixRef<'_, T>,
    b: MatrixRef<'_, T>,
    out: &mut [T],
) -> CoreResult<()> {
    matmul_into_with(isa(), a, b, out)
}

/// [`matmul_into`] with the kernels of `isa`, which must be one of [`Isa::available`]
/// ([`CoreError::InvalidValue`] otherwise): the tests run every kernel the machine has.
pub fn matmul_into_with<T: Element>(
    isa: Isa,
    a: MatrixRef<'_, T>,
    b: MatrixRef<'_, T>,
    out: &mut [T],
) -> CoreResult<()> {
    let (_, len) = product_shape(&a, &b)?;
    if out.len() != len {
        return Err(CoreError::InvalidValue(format!(
            "matmul: out holds {} elements, the product {len}",
            out.len()
        )));
    }
    if !isa.is_available() {
        return Err(CoreError::InvalidValue(format!(
            "matmul: this CPU cannot run the {} kernels",
            isa.name()
        )));
    }
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        out.fill(T::ZERO);
        return Ok(());
    }
    if m <= SMALL && n <= SMALL && k <= SMALL {
        T::small_product(isa).run(&a, &b, out);
        return Ok(());
    }
    blocked(isa, &a, &b, out)
}

/// The naive triple loop: `out[i][j] = sum over p of a[i][p] * b[p][j]`, left to right, one
/// rounding per operation. The readable definition, and the tests' yardstick.
pub fn reference<T: Element>(a: MatrixRef<'_, T>, b: MatrixRef<'_, T>) -> CoreResult<Vec<T>> {
    let (_, len) = product_shape(&a, &b)?;
    let mut out = Vec::with_capacity(len);
    for i in 0..a.rows {
        for j in 0..b.cols {
            let mut total = T::ZERO;
            for p in 0..a.cols {
                total = total + a.at(i, p) * b.at(p, j);
            }
            out.push(total);
        }
    }
    Ok(out)
}

/// The small path: `out = a b` for dimensions up to [`SMALL`]. Each row of `out` is `W`
/// accumulators of a width known at compile time (4, 8 or 16 columns, the smallest that holds
/// `n`): registers, no remainder loops, no allocation. Generic over fused multiply-add so each instruction
/// set's copy can use it where the CPU has it.
#[inline(always)]
fn small_body<T: Element, const FMA: bool>(
    a: &MatrixRef<'_, T>,
    b: &MatrixRef<'_, T>,
    out: &mut [T],
    fma: impl Fn(T, T, T) -> T + Copy,
) {
    let n = b.cols;
    if n <= 4 {
        small_rows::<T, FMA, 4>(a, b, out, fma);
    } else if n <= 8 {
        small_rows::<T, FMA, 8>(a, b, out, fma);
    } else {
        small_rows::<T, FMA, SMALL>(a, b, out, fma);
    }
}

/// The small path with `W` accumulators a row (`n <= W <= SMALL`): `B` copied first into a
/// zero-padded `k x W` block on the stack.
#[inline(always)]
fn small_rows<T: Element, const FMA: bool, const W: usize>(
    a: &MatrixRef<'_, T>,
    b: &MatrixRef<'_, T>,
    out: &mut [T],
    fma: impl Fn(T, T, T) -> T + Copy,
) {
    let (k, n) = (a.cols, b.cols);
    let mut padded = [[T::ZERO; W]; SMALL];
    for (p, line) in padded.iter_mut().enumerate().take(k) {
        match b.row(p) {
            Some(row) => line[..n].copy_from_slice(row),
            None => {
                for (j, value) in line[..n].iter_mut().enumerate() {
                    *value = b.at(p, j);
                }
            }
        }
    }
    // Four rows at a time: four independent chains of fused multiply-adds, so the loop runs
    // at the FMA units' throughput rather than waiting out each one's latency.
    let done = (out.len() / n) / 4 * 4;
    let mut blocks = out.chunks_exact_mut(4 * n);
    for (block, rows) in blocks.by_ref().enumerate() {
        let mut sums = [[T::ZERO; W]; 4];
        for (p, line) in padded.iter().enumerate().take(k) {
            for (r, row_sums) in sums.iter_mut().enumerate() {
                let scale = a.at(4 * block + r, p);
                for (sum, &x) in row_sums.iter_mut().zip(line) {
                    *sum = if FMA {
                        fma(scale, x, *sum)
                    } else {
                        *sum + scale * x
                    };
                }
            }
        }
        for (out_row, row_sums) in rows.chunks_exact_mut(n).zip(&sums) {
            out_row.copy_from_slice(&row_sums[..n]);
        }
    }
    for (offset, out_row) in blocks.into_remainder().chunks_exact_mut(n).enumerate() {
        let mut sums = [T::ZERO; W];
        for (p, line) in padded.iter().enumerate().take(k) {
            let scale = a.at(done + offset, p);
            for (sum, &x) in sums.iter_mut().zip(line) {
                *sum = if FMA {
                    fma(scale, x, *sum)
                } else {
                    *sum + scale * x
                };
            }
        }
        out_row.copy_from_slice(&sums[..n]);
    }
}

/// The blocked path (see the module documentation).
fn blocked<T: Element>(
    isa: Isa,
    a: &MatrixRef<'_, T>,
    b: &MatrixRef<'_, T>,
    out: &mut [T],
) -> CoreResult<()> {
    let kernel = T::micro_kernel(isa);
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let (mr, nr) = (kernel.mr, kernel.nr);
    let flop = 2 * (m as u128) * (n as u128) * (k as u128);
    let threads = if flop >= PARALLEL_MIN_FLOP && m >= 2 * mr {
        rayon::current_num_threads().max(1)
    } else {
        1
    };
    // Blocks of whole panels: NC rounded down to a multiple of NR (24 for AVX-512 float64
    // does not divide 4096), so only the last block of B has a narrow panel and every
    // block's panels fit in `packed_b`.
    let nc_block = NC / nr * nr;
    let nc_max = nc_block.min(n.div_ceil(nr) * nr);
    let kc_max = KC.min(k);
    let packed_b_len = kc_max * nc_max;
    let mut packed_b = try_zeroed::<T>(packed_b_len)?;
    // Each thread takes a band of whole rows of C, a multiple of MR rows tall, so the bands
    // are as even as the micro-kernel allows.
    let band = m.div_ceil(threads).div_ceil(mr) * mr;
    let mc_max = MC.min(band.div_ceil(mr) * mr);
    let mut packed_a: Vec<Vec<T>> = Vec::with_capacity(threads);
    for _ in 0..m.div_ceil(band) {
        packed_a.push(try_zeroed::<T>(mc_max * kc_max)?);
    }
    for jc in (0..n).step_by(nc_block) {
        let nc = nc_block.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            let panel_len = kc * nr;
            let panels = nc.div_ceil(nr);
            let packed = &mut packed_b[..panels * panel_len];
            let pack = |(index, panel): (usize, &mut [T])| {
                pack_b(
                    b,
                    pc,
                    kc,
                    jc + index * nr,
                    nr.min(jc + nc - (jc + index * nr)),
                    nr,
                    panel,
                );
            };
            if threads > 1 {
                packed.par_chunks_mut(panel_len).enumerate().for_each(pack);
            } else {
                packed.chunks_mut(panel_len).enumerate().for_each(pack);
            }
            let packed_b = &packed_b[..panels * panel_len];
            let band_job = |(index, (rows, packed_a)): (usize, (&mut [T], &mut Vec<T>))| {
                let top = index * band;
                let height = rows.len() / n;
                for ic in (0..height).step_by(mc_max) {
                    let mc = mc_max.min(height - ic);
                    pack_a(a, top + ic, mc, pc, kc, mr, packed_a);
                    let rows = &mut rows[ic * n..(ic + mc) * n];
                    macro_block(
                        &kernel,
                        mc,
                        nc,
                        kc,
                        packed_a,
                        packed_b,
                        rows,
                        n,
                        jc,
                        pc == 0,
                    );
                }
            };
            let bands = out
                .chunks_mut(band * n)
                .zip(packed_a.iter_mut())
                .enumerate();
            if threads > 1 {
                out.par_chunks_mut(band * n)
                    .zip(packed_a.par_iter_mut())
                    .enumerate()
                    .for_each(band_job);
            } else {
                bands.for_each(band_job);
            }
        }
    }
    Ok(())
}

/// A vector of `len` zeros, or [`CoreError::OutOfMemory`].
fn try_zeroed<T: Element>(len: usize) -> CoreResult<Vec<T>> {
    let mut values = Vec::new();
    values
        .try_reserve_exact(len)
        .map_err(|_| CoreError::OutOfMemory {
            bytes: len.saturating_mul(size_of::<T>()),
        })?;
    values.resize(len, T::ZERO);
    Ok(values)
}

/// Packs `b[pc..pc + kc][col..col + width]` as one panel: `kc` rows of `nr` values, the
/// columns past `width` zero.
fn pack_b<T: Element>(
    b: &MatrixRef<'_, T>,
    pc: usize,
    kc: usize,
    col: usize,
    width: usize,
    nr: usize,
    panel: &mut [T],
) {
    for (p, line) in panel.chunks_exact_mut(nr).take(kc).enumerate() {
        match b.row(pc + p) {
            Some(row) => line[..width].copy_from_slice(&row[col..col + width]),
            None => {
                for (j, value) in line[..width].iter_mut().enumerate() {
                    *value = b.at(pc + p, col + j);
                }
            }
        }
        line[width..].fill(T::ZERO);
    }
}

/// Packs `a[row..row + mc][pc..pc + kc]` as `mc / MR` panels (rounded up), each `kc`
/// columns of `mr` values, the rows past `mc` zero.
fn pack_a<T: Element>(
    a: &MatrixRef<'_, T>,
    row: usize,
    mc: usize,
    pc: usize,
    kc: usize,
    mr: usize,
    packed: &mut [T],
) {
    for (index, panel) in packed
        .chunks_exact_mut(kc * mr)
        .take(mc.div_ceil(mr))
        .enumerate()
    {
        let top = row + index * mr;
        let height = mr.min(row + mc - top);
        if a.col_stride == 1 {
            for i in 0..height {
                let start = (top + i) * a.row_stride + pc;
                for (p, &value) in a.data[start..start + kc].iter().enumerate() {
                    panel[p * mr + i] = value;
                }
            }
        } else {
            for (p, line) in panel.chunks_exact_mut(mr).enumerate() {
                for (i, value) in line[..height].iter_mut().enumerate() {
                    *value = a.at(top + i, pc + p);
                }
            }
        }
        if height < mr {
            for line in panel.chunks_exact_mut(mr) {
                line[height..].fill(T::ZERO);
            }
        }
    }
}

/// Every `MR x NR` tile of an `mc x nc` block of C (`rows`, row-major with `ldc` columns,
/// the block starting at column `col`): full tiles straight into C, edge tiles through a
/// small buffer. `first` overwrites C (the first `KC` block), later blocks add to it.
#[expect(
    clippy::too_many_arguments,
    reason = "the five loops' state, kept flat"
)]
fn macro_block<T: Element>(
    kernel: &kernels::MicroKernel<T>,
    mc: usize,
    nc: usize,
    kc: usize,
    packed_a: &[T],
    packed_b: &[T],
    rows: &mut [T],
    ldc: usize,
    col: usize,
    first: bool,
) {
    let (mr, nr) = (kernel.mr, kernel.nr);
    let mut edge = [T::ZERO; kernels::MAX_TILE];
    for (jr, b_panel) in packed_b.chunks_exact(kc * nr).enumerate() {
        let j = jr * nr;
        let width = nr.min(nc - j);
        for (ir, a_panel) in packed_a
            .chunks_exact(kc * mr)
            .take(mc.div_ceil(mr))
            .enumerate()
        {
            let i = ir * mr;
            let height = mr.min(mc - i);
            if height == mr && width == nr {
                let tile = &mut rows[i * ldc + col + j..];
                kernel.run(kc, a_panel, b_panel, tile, ldc, first);
            } else {
                let tile = &mut edge[..mr * nr];
                kernel.run(kc, a_panel, b_panel, tile, nr, true);
                for r in 0..height {
                    let target = &mut rows[(i + r) * ldc + col + j..][..width];
                    let source = &tile[r * nr..r * nr + width];
                    if first {
                        target.copy_from_slice(source);
                    } else {
                        for (value, &add) in target.iter_mut().zip(source) {
                            *value = *value + add;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
