//! The register-blocked micro-kernels and the small path, once per instruction set.
//!
//! A micro-kernel computes one `MR x NR` tile of C from a packed panel of A (`kc` columns of
//! `MR` values) and one of B (`kc` rows of `NR` values): `MR x NR / LANES` vector
//! accumulators stay in registers for the whole depth, each step loads `NR / LANES` vectors
//! of B, broadcasts `MR` values of A and issues `MR x NR / LANES` fused multiply-adds. The
//! body is written once, generic over a small vector trait ([`Lanes`]), and instantiated
//! inside a `#[target_feature]` function per instruction set, where the intrinsics inline.
//!
//! | kernel | f64 tile | f32 tile | accumulators |
//! |---|---|---|---|
//! | AVX-512 | 8 x 24 | 12 x 32 | 24 of 32 zmm |
//! | AVX2 + FMA | 6 x 8 | 6 x 16 | 12 of 16 ymm |
//! | portable | 4 x 8 | 4 x 8 | arrays the compiler vectorises (no FMA: baseline x86-64 has none) |

use super::{Element, MatrixRef};

/// The largest `MR x NR` of any kernel: the size of the edge-tile buffer.
pub(crate) const MAX_TILE: usize = 12 * 32;

/// The instruction set of the micro-kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// AVX-512F (with FMA): 512-bit vectors, 32 registers.
    Avx512,
    /// AVX2 with FMA3: 256-bit vectors, 16 registers.
    Avx2Fma,
    /// Plain Rust, vectorised by the compiler for the build's baseline.
    Portable,
}

impl Isa {
    /// The widest instruction set this CPU runs.
    pub fn detect() -> Self {
        Self::available().first().copied().unwrap_or(Self::Portable)
    }

    /// Every instruction set this CPU runs, widest first (`Portable` always last).
    pub fn available() -> Vec<Self> {
        [Self::Avx512, Self::Avx2Fma, Self::Portable]
            .into_iter()
            .filter(|isa| isa.is_available())
            .collect()
    }

    /// Whether this CPU runs this instruction set.
    pub fn is_available(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Self::Avx2Fma => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Its name in reports: `AVX-512`, `AVX2+FMA`, `portable`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Avx512 => "AVX-512",
            Self::Avx2Fma => "AVX2+FMA",
            Self::Portable => "portable",
        }
    }

    /// The width of its vectors in bits (128 for portable code: SSE2, the x86-64 baseline).
    pub fn vector_bits(self) -> usize {
        match self {
            Self::Avx512 => 512,
            Self::Avx2Fma => 256,
            Self::Portable => 128,
        }
    }
}

/// `tile = a_panel b_panel` (or `+=` unless `overwrite`), `tile` row-major with `ldc`.
///
/// # Safety
///
/// `a` holds `kc * MR` values, `b` `kc * NR`, `c` `(MR - 1) * ldc + NR`, and the CPU runs the
/// kernel's instruction set.
type RawKernel<T> =
    unsafe fn(kc: usize, a: *const T, b: *const T, c: *mut T, ldc: usize, overwrite: bool);

/// One micro-kernel: its tile and the function that computes a tile.
#[derive(Clone, Copy)]
pub struct MicroKernel<T> {
    /// Rows of a tile.
    pub(crate) mr: usize,
    /// Columns of a tile.
    pub(crate) nr: usize,
    raw: RawKernel<T>,
}

impl<T: Element> MicroKernel<T> {
    /// Computes one tile after checking every length the raw kernel relies on.
    #[inline(always)]
    pub(crate) fn run(
        &self,
        kc: usize,
        a: &[T],
        b: &[T],
        c: &mut [T],
        ldc: usize,
        overwrite: bool,
    ) {
        assert!(a.len() >= kc * self.mr && b.len() >= kc * self.nr);
        assert!(ldc >= self.nr && c.len() >= (self.mr - 1) * ldc + self.nr);
        // SAFETY: the lengths are checked above, and a kernel is only handed out for an
        // instruction set the CPU runs (`matmul_into_with` checks `is_available`).
        unsafe { (self.raw)(kc, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), ldc, overwrite) }
    }
}

/// The small path of one element type and instruction set.
#[derive(Clone, Copy)]
pub struct SmallProduct<T> {
    raw: unsafe fn(&MatrixRef<'_, T>, &MatrixRef<'_, T>, &mut [T]),
}

impl<T: Element> SmallProduct<T> {
    /// `out = a b` (shapes checked by the caller).
    #[inline(always)]
    pub(crate) fn run(&self, a: &MatrixRef<'_, T>, b: &MatrixRef<'_, T>, out: &mut [T]) {
        // SAFETY: safe code compiled for an instruction set the CPU runs (checked by
        // `matmul_into_with` before any kernel is chosen).
        unsafe { (self.raw)(a, b, out) }
    }
}

/// The vector operations a micro-kernel needs.
trait Lanes {
    type Scalar: Copy;
    type Vector: Copy;
    const LANES: usize;
    unsafe fn zero() -> Self::Vector;
    unsafe fn load(from: *const Self::Scalar) -> Self::Vector;
    unsafe fn splat(from: *const Self::Scalar) -> Self::Vector;
    unsafe fn fma(a: Self::Vector, b: Self::Vector, c: Self::Vector) -> Self::Vector;
    unsafe fn add(a: Self::Vector, b: Self::Vector) -> Self::Vector;
    unsafe fn store(to: *mut Self::Scalar, value: Self::Vector);
}

/// The micro-kernel body: `MR` rows, `NV` vectors of `L::LANES` columns.
///
/// # Safety
///
/// As [`RawKernel`], with `NR = NV * L::LANES`.
#[inline(always)]
unsafe fn tile<L: Lanes, const MR: usize, const NV: usize>(
    kc: usize,
    a: *const L::Scalar,
    b: *const L::Scalar,
    c: *mut L::Scalar,
    ldc: usize,
    overwrite: bool,
) {
    // SAFETY: every pointer offset stays inside the lengths the caller guarantees: A's
    // `p * MR + i < kc * MR`, B's `p * NR + v * LANES + LANES <= kc * NR`, C's
    // `i * ldc + v * LANES + LANES <= (MR - 1) * ldc + NR`.
    unsafe {
        let mut sums = [[L::zero(); NV]; MR];
        for p in 0..kc {
            let mut row = [L::zero(); NV];
            for (v, vector) in row.iter_mut().enumerate() {
                *vector = L::load(b.add(p * NV * L::LANES + v * L::LANES));
            }
            for (i, line) in sums.iter_mut().enumerate() {
                let scale = L::splat(a.add(p * MR + i));
                for (sum, &vector) in line.iter_mut().zip(&row) {
                    *sum = L::fma(scale, vector, *sum);
                }
            }
        }
        for (i, line) in sums.iter().enumerate() {
            for (v, &sum) in line.iter().enumerate() {
                let target = c.add(i * ldc + v * L::LANES);
                let value = if overwrite {
                    sum
                } else {
                    L::add(L::load(target), sum)
                };
                L::store(target, value);
            }
        }
    }
}

/// `CHAINS` independent chains of `acc = acc * 0.5 + 0.5` (one fused multiply-add each) for
/// `iterations` steps: as many as the FMA units can keep in flight, so the loop runs at the
/// CPU's peak rate. Returns a value of the result so nothing is optimised away.
///
/// # Safety
///
/// The CPU runs the instruction set of `L`.
#[inline(always)]
unsafe fn fma_chains<L: Lanes, const CHAINS: usize>(iterations: u64) -> L::Scalar
where
    L::Scalar: Element,
{
    // SAFETY: the caller runs on a CPU with this instruction set; loads and stores are of
    // local values.
    unsafe {
        let half = L::Scalar::HALF;
        let scale = L::splat(&half);
        let mut chains = [L::zero(); CHAINS];
        for _ in 0..std::hint::black_box(iterations) {
            for chain in &mut chains {
                *chain = L::fma(*chain, scale, scale);
            }
        }
        let mut total = L::zero();
        for chain in chains {
            total = L::add(total, chain);
        }
        let mut out = [L::Scalar::ZERO; 16];
        L::store(out.as_mut_ptr(), total);
        out[0]
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::Lanes;

    macro_rules! lanes {
        ($name:ident, $scalar:ty, $vector:ty, $lanes:expr, $zero:ident, $load:ident,
         $splat:ident, $fma:ident, $add:ident, $store:ident) => {
            pub(super) struct $name;

            impl Lanes for $name {
                type Scalar = $scalar;
                type Vector = $vector;
                const LANES: usize = $lanes;
                #[inline(always)]
                unsafe fn zero() -> $vector {
                    // SAFETY: the caller runs on a CPU with this instruction set.
                    unsafe { $zero() }
                }
                #[inline(always)]
                unsafe fn load(from: *const $scalar) -> $vector {
                    // SAFETY: `LANES` readable values at `from` (unaligned load).
                    unsafe { $load(from) }
                }
                #[inline(always)]
                unsafe fn splat(from: *const $scalar) -> $vector {
                    // SAFETY: one readable value at `from`.
                    unsafe { $splat(*from) }
                }
                #[inline(always)]
                unsafe fn fma(a: $vector, b: $vector, c: $vector) -> $vector {
                    // SAFETY: the caller runs on a CPU with this instruction set.
                    unsafe { $fma(a, b, c) }
                }
                #[inline(always)]
                unsafe fn add(a: $vector, b: $vector) -> $vector {
                    // SAFETY: the caller runs on a CPU with this instruction set.
                    unsafe { $add(a, b) }
                }
                #[inline(always)]
                unsafe fn store(to: *mut $scalar, value: $vector) {
                    // SAFETY: `LANES` writable values at `to` (unaligned store).
                    unsafe { $store(to, value) }
                }
            }
        };
    }

    lanes!(
        Avx512F64,
        f64,
        __m512d,
        8,
        _mm512_setzero_pd,
        _mm512_loadu_pd,
        _mm512_set1_pd,
        _mm512_fmadd_pd,
        _mm512_add_pd,
        _mm512_storeu_pd
    );
    lanes!(
        Avx512F32,
        f32,
        __m512,
        16,
        _mm512_setzero_ps,
        _mm512_loadu_ps,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_add_ps,
        _mm512_storeu_ps
    );
    lanes!(
        Avx2F64,
        f64,
        __m256d,
        4,
        _mm256_setzero_pd,
        _mm256_loadu_pd,
        _mm256_set1_pd,
        _mm256_fmadd_pd,
        _mm256_add_pd,
        _mm256_storeu_pd
    );
    lanes!(
        Avx2F32,
        f32,
        __m256,
        8,
        _mm256_setzero_ps,
        _mm256_loadu_ps,
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        _mm256_add_ps,
        _mm256_storeu_ps
    );

    macro_rules! kernel {
        ($name:ident, $features:literal, $lanes:ty, $scalar:ty, $mr:literal, $nv:literal) => {
            /// # Safety
            ///
            /// As `RawKernel`, on a CPU with these features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn $name(
                kc: usize,
                a: *const $scalar,
                b: *const $scalar,
                c: *mut $scalar,
                ldc: usize,
                overwrite: bool,
            ) {
                // SAFETY: forwarded from this function's contract.
                unsafe { super::tile::<$lanes, $mr, $nv>(kc, a, b, c, ldc, overwrite) }
            }
        };
    }

    kernel!(avx512_f64, "avx512f,fma", Avx512F64, f64, 8, 3);
    kernel!(avx512_f32, "avx512f,fma", Avx512F32, f32, 12, 2);
    kernel!(avx2_f64, "avx2,fma", Avx2F64, f64, 6, 2);
    kernel!(avx2_f32, "avx2,fma", Avx2F32, f32, 6, 2);

    macro_rules! small {
        ($name:ident, $features:literal, $scalar:ty) => {
            /// # Safety
            ///
            /// Safe code; the CPU must have these features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn $name(
                a: &super::MatrixRef<'_, $scalar>,
                b: &super::MatrixRef<'_, $scalar>,
                out: &mut [$scalar],
            ) {
                super::super::small_body::<$scalar, true>(a, b, out, <$scalar>::mul_add)
            }
        };
    }

    macro_rules! throughput {
        ($name:ident, $features:literal, $lanes:ty, $scalar:ty, $chains:literal) => {
            /// # Safety
            ///
            /// The CPU must have these features.
            #[target_feature(enable = $features)]
            pub(super) unsafe fn $name(iterations: u64) -> $scalar {
                // SAFETY: this function's contract.
                unsafe { super::fma_chains::<$lanes, $chains>(iterations) }
            }
        };
    }

    throughput!(peak_avx512_f64, "avx512f,fma", Avx512F64, f64, 24);
    throughput!(peak_avx512_f32, "avx512f,fma", Avx512F32, f32, 24);
    throughput!(peak_avx2_f64, "avx2,fma", Avx2F64, f64, 12);
    throughput!(peak_avx2_f32, "avx2,fma", Avx2F32, f32, 12);

    small!(small_avx512_f64, "avx512f,fma", f64);
    small!(small_avx512_f32, "avx512f,fma", f32);
    small!(small_avx2_f64, "avx2,fma", f64);
    small!(small_avx2_f32, "avx2,fma", f32);
}

/// The portable micro-kernel, 4 x 8: plain arrays, `a * b + c` (two roundings: fused
/// multiply-add is a library call without the FMA instructions, far slower than this).
///
/// # Safety
///
/// As [`RawKernel`] with `MR = 4`, `NR = 8`.
unsafe fn portable_kernel<T: Element>(
    kc: usize,
    a: *const T,
    b: *const T,
    c: *mut T,
    ldc: usize,
    overwrite: bool,
) {
    const MR: usize = 4;
    const NR: usize = 8;
    // SAFETY: the caller guarantees `kc * MR` values of A, `kc * NR` of B.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a, kc * MR),
            std::slice::from_raw_parts(b, kc * NR),
        )
    };
    let mut sums = [[T::ZERO; NR]; MR];
    for (column, row) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for (line, &scale) in sums.iter_mut().zip(column) {
            for (sum, &value) in line.iter_mut().zip(row) {
                *sum = *sum + scale * value;
            }
        }
    }
    for (i, line) in sums.iter().enumerate() {
        // SAFETY: the caller guarantees `(MR - 1) * ldc + NR` values of C: row `i` of the
        // tile is the `NR` values at `i * ldc`.
        let target = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), NR) };
        for (value, &sum) in target.iter_mut().zip(line) {
            *value = if overwrite { sum } else { *value + sum };
        }
    }
}

/// The portable throughput loop: 32 chains of `acc * 0.5 + 0.5`, a multiply and an add each
/// (two floating-point operations, as one FMA), in whatever vectors the baseline has.
fn portable_chains<T: Element>(iterations: u64) -> T {
    let mut chains = [T::ZERO; 32];
    for _ in 0..std::hint::black_box(iterations) {
        for chain in &mut chains {
            *chain = *chain * T::HALF + T::HALF;
        }
    }
    chains
        .into_iter()
        .fold(T::ZERO, |total, chain| total + chain)
}

/// The portable small path (no FMA, see [`portable_kernel`]).
///
/// # Safety
///
/// Safe code: `unsafe` only for a common signature with the other instruction sets.
unsafe fn portable_small<T: Element>(a: &MatrixRef<'_, T>, b: &MatrixRef<'_, T>, out: &mut [T]) {
    super::small_body::<T, false>(a, b, out, |x, y, z| x * y + z);
}

/// [`portable_chains`] with the signature of the other instruction sets' loops.
///
/// # Safety
///
/// Safe code: `unsafe` only for a common signature.
unsafe fn portable_peak<T: Element>(iterations: u64) -> T {
    portable_chains::<T>(iterations)
}

macro_rules! element {
    ($scalar:ty, $name:literal, $avx512:ident, $avx2:ident, $small512:ident, $small2:ident,
     $peak512:ident, $peak2:ident, $mr512:literal, $nr512:literal, $nr2:literal) => {
        impl Element for $scalar {
            const ZERO: Self = 0.0;
            const HALF: Self = 0.5;
            const ONE: Self = 1.0;
            const EPSILON: f64 = <$scalar>::EPSILON as f64;

            fn to_f64(self) -> f64 {
                f64::from(self)
            }

            fn faer_product(a: &MatrixRef<'_, Self>, b: &MatrixRef<'_, Self>, out: &mut [Self]) {
                super::faer::faer_into(a, b, out);
            }
            const NAME: &'static str = $name;

            fn micro_kernel(isa: Isa) -> MicroKernel<Self> {
                match isa {
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => MicroKernel {
                        mr: $mr512,
                        nr: $nr512,
                        raw: x86::$avx512,
                    },
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2Fma => MicroKernel {
                        mr: 6,
                        nr: $nr2,
                        raw: x86::$avx2,
                    },
                    _ => MicroKernel {
                        mr: 4,
                        nr: 8,
                        raw: portable_kernel::<Self>,
                    },
                }
            }

            fn fma_throughput(isa: Isa) -> unsafe fn(u64) -> Self {
                match isa {
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => x86::$peak512,
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2Fma => x86::$peak2,
                    _ => portable_peak::<Self>,
                }
            }

            fn small_product(isa: Isa) -> SmallProduct<Self> {
                match isa {
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => SmallProduct {
                        raw: x86::$small512,
                    },
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2Fma => SmallProduct { raw: x86::$small2 },
                    _ => SmallProduct {
                        raw: portable_small::<Self>,
                    },
                }
            }
        }
    };
}

element!(
    f64,
    "float64",
    avx512_f64,
    avx2_f64,
    small_avx512_f64,
    small_avx2_f64,
    peak_avx512_f64,
    peak_avx2_f64,
    8,
    24,
    8
);
element!(
    f32,
    "float32",
    avx512_f32,
    avx2_f32,
    small_avx512_f32,
    small_avx2_f32,
    peak_avx512_f32,
    peak_avx2_f32,
    12,
    32,
    16
);
