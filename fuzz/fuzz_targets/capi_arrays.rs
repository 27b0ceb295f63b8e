//! The C ABI's functions over buffers of numbers: `ffibench_arrays_*` (sum, mean, std, min,
//! max, filter_greater, normalize, generate), `ffibench_matmul_f64`/`_f32` and
//! `ffibench_buffer_new`, with fuzzed values (any bits: NaN, infinities, subnormals), at
//! aligned and misaligned addresses, NULL pointers, overlapping outputs, and matrices of
//! fuzzed shapes and strides in buffers that hold exactly their span. Every call returns the
//! contract's status (a misaligned or overlapping buffer refused, never read: ASan checks),
//! never a panic; what succeeds equals the core's answer on an aligned copy (and a product is
//! within the documented error bound of a naive one); returned arrays are freed.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use ffibench_capi::{self as capi, FfiBufferView, FfiDoubles, Status};
use ffibench_core::arrays::{self, Distribution};
use ffibench_core::buffers::{Dtype, Values};
use ffibench_fuzz::capi::expect;
use libfuzzer_sys::fuzz_target;

/// `values` at `offset` bytes past an 8-aligned address (misaligned unless 0).
struct Placed {
    backing: Vec<u64>,
    offset: usize,
    len: usize,
}

impl Placed {
    fn new(values: &[f64], offset: usize) -> Self {
        let mut backing = vec![0_u64; values.len() + 1];
        let base = backing.as_mut_ptr().cast::<u8>();
        for (i, value) in values.iter().enumerate() {
            // SAFETY: within the backing store (one spare element covers the offset < 8).
            unsafe {
                base.add(offset + 8 * i)
                    .cast::<f64>()
                    .write_unaligned(*value)
            };
        }
        Self {
            backing,
            offset,
            len: values.len(),
        }
    }
    fn ptr(&mut self) -> *mut f64 {
        // SAFETY: `offset < 8`, within the backing store.
        unsafe {
            self.backing
                .as_mut_ptr()
                .cast::<u8>()
                .add(self.offset)
                .cast()
        }
    }
}

fn bits_eq(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

type Reduce = unsafe extern "C" fn(*const f64, usize, *mut f64) -> Status;

fn reductions(values: &[f64], input: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let offset = if bool::arbitrary(input)? {
        0
    } else {
        input.int_in_range(1..=7)?
    };
    let null = input.ratio(1, 16)?;
    let null_out = input.ratio(1, 16)?;
    let mut placed = Placed::new(values, offset);
    let pointer = if null {
        std::ptr::null()
    } else {
        placed.ptr().cast_const()
    };
    let refused = if values.is_empty() {
        None
    } else if null {
        Some(Status::NullPointer)
    } else if offset != 0 {
        Some(Status::InvalidValue)
    } else {
        None
    };
    type Case = (
        &'static str,
        Reduce,
        fn(&[f64]) -> Result<f64, ffibench_core::CoreError>,
    );
    let list: [Case; 5] = [
        ("sum", capi::ffibench_arrays_sum, |v| Ok(arrays::sum(v))),
        ("mean", capi::ffibench_arrays_mean, arrays::mean),
        ("std", capi::ffibench_arrays_std, arrays::std),
        ("min", capi::ffibench_arrays_min, arrays::min),
        ("max", capi::ffibench_arrays_max, arrays::max),
    ];
    for (name, function, model) in list {
        let mut out = 0.5_f64;
        let target = if null_out {
            std::ptr::null_mut()
        } else {
            &raw mut out
        };
        // SAFETY: `len` readable doubles at `pointer` (NULL or misaligned ones are refused).
        let status = unsafe { function(pointer, placed.len, target) };
        let expected = refused
            .map(Err)
            .unwrap_or_else(|| model(values).map_err(|_| Status::InvalidValue));
        match expected {
            Err(refusal) => expect(status, refusal, name),
            Ok(_) if null_out => expect(status, Status::NullPointer, name),
            Ok(value) => {
                expect(status, Status::Ok, name);
                assert!(bits_eq(out, value), "{name}: {out} != {value}");
            }
        }
    }

    let threshold = f64::from_bits(u64::arbitrary(input)?);
    let mut out = FfiDoubles {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
    let target = if null_out {
        std::ptr::null_mut()
    } else {
        &raw mut out
    };
    // SAFETY: as above.
    let status =
        unsafe { capi::ffibench_arrays_filter_greater(pointer, placed.len, threshold, target) };
    // A NULL out is refused first, before an array no one would receive is made.
    match refused {
        _ if null_out => expect(status, Status::NullPointer, "filter_greater"),
        Some(refusal) => expect(status, refusal, "filter_greater"),
        None => {
            expect(status, Status::Ok, "filter_greater");
            // SAFETY: the library returned `len` doubles at `ptr`.
            let got = unsafe { std::slice::from_raw_parts(out.ptr, out.len) }.to_vec();
            // SAFETY: returned by the library, freed once.
            unsafe { capi::ffibench_doubles_free(out) };
            assert_eq!(got.len(), arrays::filter_greater(values, threshold).len());
            assert!(
                got.iter()
                    .zip(arrays::filter_greater(values, threshold))
                    .all(|(a, b)| bits_eq(*a, b))
            );
        }
    }

    // normalize into a separate buffer, or into the values themselves (refused: overlap).
    let overlap = input.ratio(1, 8)?;
    let mut separate = vec![0.0_f64; values.len()];
    let out_ptr = if overlap {
        placed.ptr()
    } else {
        separate.as_mut_ptr()
    };
    // SAFETY: `len` readable values and `len` writable doubles at `out_ptr`.
    let status = unsafe { capi::ffibench_arrays_normalize(pointer, placed.len, out_ptr) };
    match (refused, arrays::normalize(values)) {
        (Some(refusal), _) => expect(status, refusal, "normalize"),
        (None, _) if overlap && !values.is_empty() => {
            expect(status, Status::InvalidValue, "normalize")
        }
        (None, Err(_)) => expect(status, Status::InvalidValue, "normalize"),
        (None, Ok(model)) => {
            expect(status, Status::Ok, "normalize");
            assert!(separate.iter().zip(&model).all(|(a, b)| bits_eq(*a, *b)));
        }
    }
    Ok(())
}

fn generate(input: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let n = input.int_in_range(0..=300_usize)?;
    let seed = u64::arbitrary(input)?;
    let distribution = input.int_in_range(0..=2_u32)?;
    let null = input.ratio(1, 8)?;
    let mut out = vec![0.0_f64; n];
    let target = if null {
        std::ptr::null_mut()
    } else {
        out.as_mut_ptr()
    };
    // SAFETY: `n` writable doubles at `target` (or NULL).
    let status = unsafe { capi::ffibench_arrays_generate(n, seed, distribution, target) };
    let model = match distribution {
        0 => Some(Distribution::Uniform),
        1 => Some(Distribution::Normal),
        _ => None,
    };
    match model {
        None => expect(status, Status::InvalidValue, "generate"),
        Some(_) if null && n > 0 => expect(status, Status::NullPointer, "generate"),
        Some(model) => {
            expect(status, Status::Ok, "generate");
            assert_eq!(out, arrays::generate(n, seed, model).expect("generate"));
        }
    }

    let dtype = input.int_in_range(0..=4_u32)?;
    let null_out = input.ratio(1, 8)?;
    let mut buffer = std::ptr::null_mut();
    let mut view = FfiBufferView {
        data: std::ptr::null_mut(),
        len: 0,
        nbytes: 0,
    };
    let buffer_target = if null_out {
        std::ptr::null_mut()
    } else {
        &raw mut buffer
    };
    // SAFETY: out-parameters valid for writes (or NULL, refused).
    let status = unsafe { capi::ffibench_buffer_new(n, dtype, seed, buffer_target, &raw mut view) };
    match (null_out, Dtype::ALL.get(dtype as usize)) {
        (true, _) => expect(status, Status::NullPointer, "buffer_new"),
        (false, None) => expect(status, Status::InvalidValue, "buffer_new"),
        (false, Some(&dtype)) => {
            expect(status, Status::Ok, "buffer_new");
            let model = Values::generate(n, dtype, seed).expect("generate");
            assert_eq!(view.len, n);
            assert_eq!(view.nbytes, model.nbytes());
            // SAFETY: the view's bytes live until the buffer is freed.
            let bytes = unsafe { std::slice::from_raw_parts(view.data, view.nbytes) };
            assert_eq!(bytes, model.as_bytes());
            // SAFETY: made above, freed once.
            unsafe { capi::ffibench_buffer_free(buffer) };
        }
    }
    Ok(())
}

/// A matrix: its shape, its strides and the values of its whole span.
struct Matrix {
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
    data: Vec<f64>,
}

impl Matrix {
    fn arbitrary(
        input: &mut Unstructured<'_>,
        rows: usize,
        cols: usize,
    ) -> arbitrary::Result<Self> {
        let row_stride = input.int_in_range(0..=12)?;
        let col_stride = input.int_in_range(0..=12)?;
        let span = if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * row_stride + (cols - 1) * col_stride + 1
        };
        let data = (0..span)
            .map(|_| {
                Ok(match input.int_in_range(0..=9_u8)? {
                    0 => f64::from_bits(u64::arbitrary(input)?),
                    _ => f64::from(input.int_in_range(-1000..=1000_i32)?) / 8.0,
                })
            })
            .collect::<arbitrary::Result<_>>()?;
        Ok(Self {
            rows,
            cols,
            row_stride,
            col_stride,
            data,
        })
    }
    fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.row_stride + j * self.col_stride]
    }
}

fn matmul(input: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let m = input.int_in_range(0..=9)?;
    let k = input.int_in_range(0..=9)?;
    let n = input.int_in_range(0..=9)?;
    let b_rows = if input.ratio(1, 10)? { k + 1 } else { k };
    let a = Matrix::arbitrary(input, m, k)?;
    let b = Matrix::arbitrary(input, b_rows, n)?;
    let single = bool::arbitrary(input)?;
    let overlap = input.ratio(1, 10)?;
    // Shapes that do not chain, or an out that overlaps an operand.
    let expected = if b_rows != k || (overlap && m * n > 0 && !a.data.is_empty()) {
        Status::InvalidValue
    } else {
        Status::Ok
    };
    if single {
        let a32: Vec<f32> = a.data.iter().map(|&x| x as f32).collect();
        let mut b32: Vec<f32> = b.data.iter().map(|&x| x as f32).collect();
        let mut out = vec![0.0_f32; m * n];
        let out_ptr = if overlap && m * n > 0 && !a.data.is_empty() {
            a32.as_ptr().cast_mut()
        } else {
            out.as_mut_ptr()
        };
        // SAFETY: each pointer reaches its matrix's whole span; `out` holds m x n.
        let status = unsafe {
            capi::ffibench_matmul_f32(
                a32.as_ptr(),
                a.rows,
                a.cols,
                a.row_stride,
                a.col_stride,
                b32.as_mut_ptr(),
                b.rows,
                b.cols,
                b.row_stride,
                b.col_stride,
                out_ptr,
            )
        };
        expect(status, expected, "matmul_f32");
        return Ok(());
    }
    let mut out = vec![0.0_f64; m * n];
    let out_ptr = if overlap && m * n > 0 && !a.data.is_empty() {
        a.data.as_ptr().cast_mut()
    } else {
        out.as_mut_ptr()
    };
    // SAFETY: as above.
    let status = unsafe {
        capi::ffibench_matmul_f64(
            a.data.as_ptr(),
            a.rows,
            a.cols,
            a.row_stride,
            a.col_stride,
            b.data.as_ptr(),
            b.rows,
            b.cols,
            b.row_stride,
            b.col_stride,
            out_ptr,
        )
    };
    expect(status, expected, "matmul_f64");
    if expected != Status::Ok {
        return Ok(());
    }
    for i in 0..m {
        for j in 0..n {
            let terms: Vec<f64> = (0..k).map(|p| a.at(i, p) * b.at(p, j)).collect();
            let exact: f64 = terms.iter().sum();
            let scale: f64 = terms.iter().map(|t| t.abs()).sum();
            let got = out[i * n + j];
            if !scale.is_finite() || !exact.is_finite() {
                continue; // overflow or NaN: the order of the sums decides which
            }
            // Each within (k + 1) eps of the exact sum relative to `scale`, plus what underflow
            // to subnormals loses, an absolute half-ulp of the smallest subnormal a step.
            let bound = 2.0 * (k as f64 + 1.0) * (f64::EPSILON * scale + f64::from_bits(1));
            assert!(
                (got - exact).abs() <= bound,
                "({i}, {j}): {got} vs {exact} (bound {bound})"
            );
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut input = Unstructured::new(data);
    let Ok(which) = input.int_in_range(0..=2_u8) else {
        return;
    };
    let _ = match which {
        0 => {
            let count = input.int_in_range(0..=64_usize).unwrap_or(0);
            let values: Vec<f64> = (0..count)
                .map_while(|_| {
                    let small = input.ratio(3, 4).ok()?;
                    if small {
                        input
                            .int_in_range(-100..=100_i32)
                            .ok()
                            .map(|x| f64::from(x) / 4.0)
                    } else {
                        u64::arbitrary(&mut input).ok().map(f64::from_bits)
                    }
                })
                .collect();
            reductions(&values, &mut input)
        }
        1 => generate(&mut input),
        _ => matmul(&mut input),
    };
});
