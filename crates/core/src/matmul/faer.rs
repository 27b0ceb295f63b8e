//! faer 0.24's matrix product on the same inputs, for the benchmark's anchor: where our
//! kernel stands among the Rust options, called from this crate like ours.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use super::{Element, MatrixRef, PARALLEL_MIN_FLOP, product_shape, try_zeroed};
use crate::CoreResult;

/// `out = a b` with faer, parallel on rayon's threads above [`PARALLEL_MIN_FLOP`].
pub(crate) fn faer_into<T: Element + faer::traits::ComplexField>(
    a: &MatrixRef<'_, T>,
    b: &MatrixRef<'_, T>,
    out: &mut [T],
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out.fill(T::ZERO);
        return;
    }
    let flop = 2 * (m as u128) * (n as u128) * (k as u128);
    let par = if flop >= PARALLEL_MIN_FLOP {
        Par::rayon(0)
    } else {
        Par::Seq
    };
    // SAFETY: `MatrixRef::new` checked that every element `i * row_stride + j * col_stride`
    // lies inside `data`, which outlives the views; strides fit `isize` since they index a
    // slice (`m, n, k > 0` here, so each stride is below the slice's length or unused).
    let lhs = unsafe {
        MatRef::from_raw_parts(
            a.data.as_ptr(),
            m,
            k,
            a.row_stride as isize,
            a.col_stride as isize,
        )
    };
    // SAFETY: as for `lhs`.
    let rhs = unsafe {
        MatRef::from_raw_parts(
            b.data.as_ptr(),
            k,
            n,
            b.row_stride as isize,
            b.col_stride as isize,
        )
    };
    let dst = MatMut::from_row_major_slice_mut(out, m, n);
    matmul(dst, Accum::Replace, lhs, rhs, T::ONE, par);
}

/// Writes `a b`, computed by faer, into `out` (row-major, exactly `a.rows() * b.cols()`
/// elements).
pub fn faer_matmul_into<T: Element>(
    a: MatrixRef<'_, T>,
    b: MatrixRef<'_, T>,
    out: &mut [T],
) -> CoreResult<()> {
    let (_, len) = product_shape(&a, &b)?;
    if out.len() != len {
        return Err(crate::CoreError::InvalidValue(format!(
            "matmul: out holds {} elements, the product {len}",
            out.len()
        )));
    }
    T::faer_product(&a, &b, out);
    Ok(())
}

/// `a b` with faer as a new row-major matrix (see [`faer_into`]).
pub fn faer_matmul<T: Element>(a: MatrixRef<'_, T>, b: MatrixRef<'_, T>) -> CoreResult<Vec<T>> {
    let (_, len) = product_shape(&a, &b)?;
    let mut out = try_zeroed(len)?;
    T::faer_product(&a, &b, &mut out);
    Ok(out)
}
