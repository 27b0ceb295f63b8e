use super::*;

/// Deterministic values in [-1, 1) from SplitMix64.
fn values<T: Element>(count: usize, seed: u64, from: impl Fn(f64) -> T) -> Vec<T> {
    (0..count as u64)
        .map(|index| {
            let draw = crate::random::draw(seed, index);
            from((draw >> 11) as f64 * 2f64.powi(-52) - 1.0)
        })
        .collect()
}

/// `|x - y| <= 2 (k + 1) eps (|a| |b|)` entry by entry, NaN where the reference has NaN.
fn assert_close<T: Element + Into<f64>>(
    got: &[T],
    expected: &[T],
    a: &MatrixRef<'_, T>,
    b: &MatrixRef<'_, T>,
    epsilon: f64,
) {
    assert_eq!(got.len(), expected.len());
    let (k, n) = (a.cols, b.cols);
    for (index, (&x, &y)) in got.iter().zip(expected).enumerate() {
        let (x, y): (f64, f64) = (x.into(), y.into());
        let (i, j) = (index / n.max(1), index % n.max(1));
        let scale: f64 = (0..k)
            .map(|p| a.at(i, p).into().abs() * b.at(p, j).into().abs())
            .sum();
        if y.is_nan() {
            assert!(x.is_nan(), "({i}, {j}): {x} where the reference has NaN");
        } else if y.is_infinite() {
            assert_eq!(x, y, "({i}, {j})");
        } else {
            let bound = 2.0 * (k as f64 + 1.0) * epsilon * scale;
            assert!(
                (x - y).abs() <= bound,
                "({i}, {j}): {x} vs {y}, bound {bound}"
            );
        }
    }
}

fn check_shapes<T: Element + Into<f64>>(from: impl Fn(f64) -> T + Copy, epsilon: f64) {
    let shapes = [
        (1, 1, 1),
        (2, 3, 4),
        (1, 17, 1),
        (16, 16, 16),
        (17, 5, 3),
        (7, 300, 9),
        (13, 40, 33),
        (150, 270, 61),
        (300, 300, 300),
        (290, 513, 47),
    ];
    for isa in Isa::available() {
        for (m, k, n) in shapes {
            let a_data = values(m * k, 1, from);
            let b_data = values(k * n, 2, from);
            let a = MatrixRef::row_major(&a_data, m, k).unwrap();
            let b = MatrixRef::row_major(&b_data, k, n).unwrap();
            let expected = reference(a, b).unwrap();
            let mut got = vec![T::ZERO; m * n];
            matmul_into_with(isa, a, b, &mut got).unwrap();
            assert_close(&got, &expected, &a, &b, epsilon);
            // The same matrices column-major, and as every other column of a wider one.
            let a_t: Vec<T> = (0..k)
                .flat_map(|p| (0..m).map(move |i| (p, i)))
                .map(|(p, i)| a_data[i * k + p])
                .collect();
            let a_cm = MatrixRef::column_major(&a_t, m, k).unwrap();
            let wide: Vec<T> = b_data.iter().flat_map(|&x| [x, T::ZERO]).collect();
            let b_strided = MatrixRef::new(&wide, k, n, 2 * n, 2).unwrap();
            matmul_into_with(isa, a_cm, b_strided, &mut got).unwrap();
            assert_close(&got, &expected, &a, &b, epsilon);
        }
    }
}

#[test]
fn every_kernel_agrees_with_the_reference_f64() {
    check_shapes(|x| x, f64::EPSILON);
}

#[test]
fn every_kernel_agrees_with_the_reference_f32() {
    check_shapes(|x| x as f32, f64::from(f32::EPSILON));
}

#[test]
fn products_wider_than_one_block_of_b() {
    // NC = 4096 columns of B a block: the AVX-512 float64 kernel's NR = 24 does not divide
    // it, which once packed a 171st panel past the end of the packing buffer (a panic).
    for isa in Isa::available() {
        for (m, k, n) in [(1, 17, 4097), (9, 3, 4096 + 25), (2, 300, 8200)] {
            let a_data = values(m * k, 5, |x| x);
            let b_data = values(k * n, 6, |x| x);
            let a = MatrixRef::row_major(&a_data, m, k).unwrap();
            let b = MatrixRef::row_major(&b_data, k, n).unwrap();
            let mut got = vec![0.0; m * n];
            matmul_into_with(isa, a, b, &mut got).unwrap();
            assert_close(&got, &reference(a, b).unwrap(), &a, &b, f64::EPSILON);
            let a_data: Vec<f32> = a_data.iter().map(|&x| x as f32).collect();
            let b_data: Vec<f32> = b_data.iter().map(|&x| x as f32).collect();
            let a = MatrixRef::row_major(&a_data, m, k).unwrap();
            let b = MatrixRef::row_major(&b_data, k, n).unwrap();
            let mut got = vec![0.0; m * n];
            matmul_into_with(isa, a, b, &mut got).unwrap();
            let epsilon = f64::from(f32::EPSILON);
            assert_close(&got, &reference(a, b).unwrap(), &a, &b, epsilon);
        }
    }
}

#[test]
fn faer_agrees_with_the_reference() {
    for (m, k, n) in [(3, 4, 5), (200, 150, 190), (0, 3, 2), (2, 0, 3)] {
        let a_data = values(m * k, 3, |x| x);
        let b_data = values(k * n, 4, |x| x);
        let a = MatrixRef::column_major(&a_data, m, k).unwrap();
        let b = MatrixRef::row_major(&b_data, k, n).unwrap();
        let got = faer_matmul(a, b).unwrap();
        assert_close(&got, &reference(a, b).unwrap(), &a, &b, f64::EPSILON);
    }
}

#[test]
fn zero_size_dimensions() {
    let empty: [f64; 0] = [];
    let a = MatrixRef::row_major(&empty, 0, 3).unwrap();
    let b = MatrixRef::row_major(&[1.0; 6], 3, 2).unwrap();
    assert_eq!(matmul(a, b).unwrap(), Vec::<f64>::new());
    // k == 0: the empty sum, zeros.
    let a = MatrixRef::row_major(&empty, 2, 0).unwrap();
    let b = MatrixRef::row_major(&empty, 0, 3).unwrap();
    assert_eq!(matmul(a, b).unwrap(), vec![0.0; 6]);
    let a = MatrixRef::row_major(&empty, 40, 0).unwrap();
    let b = MatrixRef::row_major(&empty, 0, 50).unwrap();
    assert_eq!(matmul(a, b).unwrap(), vec![0.0; 2000]);
}

#[test]
fn nan_and_infinity_propagate() {
    for size in [3, 40] {
        for isa in Isa::available() {
            let mut a_data = vec![1.0_f64; size * size];
            a_data[0] = f64::NAN;
            a_data[size + 1] = f64::INFINITY;
            let b_data = vec![0.5_f64; size * size];
            let a = MatrixRef::row_major(&a_data, size, size).unwrap();
            let b = MatrixRef::row_major(&b_data, size, size).unwrap();
            let mut got = vec![0.0; size * size];
            matmul_into_with(isa, a, b, &mut got).unwrap();
            assert!(got[..size].iter().all(|x| x.is_nan()));
            assert!(got[size..2 * size].iter().all(|&x| x == f64::INFINITY));
            assert!(got[2 * size..].iter().all(|&x| x == 0.5 * size as f64));
        }
    }
}

#[test]
fn bad_shapes_and_views_are_refused() {
    let data = [1.0_f64; 6];
    let a = MatrixRef::row_major(&data, 2, 3).unwrap();
    let b = MatrixRef::row_major(&data, 2, 3).unwrap();
    let error = matmul(a, b).unwrap_err();
    assert!(error.to_string().contains("do not match"), "{error}");
    assert!(MatrixRef::row_major(&data, 3, 3).is_err());
    assert!(MatrixRef::new(&data, 2, 2, usize::MAX, 1).is_err());
    let mut short = [0.0; 3];
    assert!(matmul_into(a, MatrixRef::row_major(&data, 3, 2).unwrap(), &mut short).is_err());
}

#[test]
fn the_peak_is_positive_for_every_instruction_set() {
    for isa in Isa::available() {
        let rate = peak::measure::<f64>(isa, 1, std::time::Duration::from_millis(5), 1).unwrap();
        assert!(rate.is_finite() && rate > 0.0, "{isa:?}: {rate}");
        let rate = peak::measure::<f32>(isa, 2, std::time::Duration::from_millis(5), 1).unwrap();
        assert!(rate.is_finite() && rate > 0.0, "{isa:?}: {rate}");
    }
    assert!(
        peak::measure::<f64>(Isa::Portable, 0, std::time::Duration::from_millis(1), 1).is_err()
    );
}
