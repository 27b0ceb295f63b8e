use super::*;

fn message(result: CoreResult<Document>) -> String {
    match result {
        Err(CoreError::InvalidValue(message)) => message,
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

#[test]
fn every_format_round_trips_bit_for_bit() {
    for size in [0, 1_000, 100_000] {
        let document = generate(size, 7).unwrap();
        assert_eq!(
            Document::from_json(&document.to_json().unwrap()).unwrap(),
            document
        );
        assert_eq!(
            Document::from_bincode(&document.to_bincode().unwrap()).unwrap(),
            document
        );
        let archive = document.to_archive().unwrap();
        let archived = access(&archive).unwrap();
        assert_eq!(archived.name.as_str(), document.name);
        assert_eq!(archived.layers.len(), document.layers.len());
        let loss = &document.metrics[0].1;
        assert_eq!(loss[0].to_bits(), (-0.0_f64).to_bits());
        assert_eq!(
            archived.metrics[0].1[0].to_native().to_bits(),
            loss[0].to_bits()
        );
    }
}

#[test]
fn json_errors_name_the_path() {
    let text = br#"{"name":"a","version":1,"created":"c","description":null,"parent":null,
        "hyperparameters":{},"layers":[{"name":"l","kind":"k","shape":[1,"x"],"parameters":1}],
        "metrics":{},"tags":[]}"#;
    let error = message(Document::from_json(text));
    assert!(
        error.starts_with("layers[0].shape[1]: invalid type"),
        "{error}"
    );
    let nested = "[".repeat(100_000);
    assert!(message(Document::from_json(nested.as_bytes())).starts_with("document: "));
    let with_int = br#"{"name":"a","version":1,"created":"c","description":null,"parent":null,
        "hyperparameters":{"a":1,"a":2},"layers":[],"metrics":{},"tags":[]}"#;
    assert!(
        message(Document::from_json(with_int)).starts_with("hyperparameters: duplicate key 'a'")
    );
    let float_int = br#"{"name":"a","version":1,"created":"c","description":null,"parent":null,
        "hyperparameters":{},"layers":[],"metrics":{"m":[1]},"tags":[]}"#;
    assert!(message(Document::from_json(float_int)).starts_with("metrics.m[0]: invalid type"));
    assert!(message(Document::from_json(b"{}")).contains("missing field"));
    assert!(message(Document::from_json(b"\xff")).starts_with("document: "));
}

#[test]
fn hostile_bincode_is_refused_without_allocating_its_claims() {
    let document = generate(1_000, 1).unwrap();
    let bytes = document.to_bincode().unwrap();
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(Document::from_bincode(&bytes[..cut]).is_err());
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(message(Document::from_bincode(&trailing)).contains("1 bytes follow"));
    // a name claiming 2**30 bytes, then nothing
    let mut huge = vec![252_u8];
    huge.extend_from_slice(&(1_u32 << 30).to_le_bytes());
    assert_eq!(
        message(Document::from_bincode(&huge)),
        "name: the input ends 1073741824 bytes too soon"
    );
    // an empty name, version 0, created "", no options, then 2**60 hyperparameters
    let mut claim = vec![0_u8, 0, 0, 0, 0, 253];
    claim.extend_from_slice(&(1_u64 << 60).to_le_bytes());
    assert!(Document::from_bincode(&claim).is_err());
    // a NaN in the first metric
    let mut nan = document.clone();
    nan.metrics[0].1[1] = f64::NAN;
    assert_eq!(
        message(Document::from_bincode(&nan.to_bincode().unwrap())),
        "metrics.loss[1]: nan is not finite (NaN and infinity are refused)"
    );
}

#[test]
fn archives_are_validated_before_any_read() {
    let document = generate(10_000, 3).unwrap();
    let archive = document.to_archive().unwrap();
    for cut in [0, 1, archive.len() / 2, archive.len() - 1] {
        let piece = aligned_copy(&archive[..cut]);
        assert!(access(&piece).is_err(), "cut at {cut}");
    }
    let mut corrupt = aligned_copy(&archive);
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0x7f;
    assert!(access(&corrupt).is_err());
    let mut nan = document.clone();
    nan.hyperparameters[0].1 = Value::Float(f64::INFINITY);
    let message = match access(&nan.to_archive().unwrap()) {
        Err(CoreError::InvalidValue(message)) => message,
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("an archive with infinity passed"),
    };
    assert_eq!(
        message,
        "hyperparameters.param_0: inf is not finite (NaN and infinity are refused)"
    );
}

#[test]
fn python_repr_of_keys() {
    assert_eq!(py_repr("a"), "'a'");
    assert_eq!(py_repr("it's"), "\"it's\"");
    assert_eq!(py_repr("a\nb"), "'a\\nb'");
    // as Python's repr: what str.isprintable refuses is escaped, by its width
    assert_eq!(
        py_repr("\u{85}\u{a0}\u{ad}\u{2028}\u{200b}\u{feff}\u{e000}\u{10fffd}é😀"),
        "'\\x85\\xa0\\xad\\u2028\\u200b\\ufeff\\ue000\\U0010fffdé😀'"
    );
}

#[test]
fn archive_errors_say_where() {
    let document = generate(10_000, 3).unwrap();
    let archive = document.to_archive().unwrap();
    let mut piece = aligned_copy(&archive);
    // a string's length in the middle of the archive, made to run past the end
    let at = archive.len() / 2 / 8 * 8;
    for byte in &mut piece[at..at + 16] {
        *byte = 0x7f;
    }
    match access(&piece) {
        Err(CoreError::InvalidValue(message)) => {
            assert!(
                message.starts_with("archive: invalid archive: "),
                "{message}"
            );
            assert!(message.contains("; "), "{message}");
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("half an archive passed"),
    }
}
