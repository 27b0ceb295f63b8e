//! The UDP event source's wire format (`events::parse_datagram`, what the stream does with
//! each datagram it receives) over arbitrary bytes: it never panics; it accepts exactly the
//! model's datagrams (a 28-byte header, then at most 24 bytes of UTF-8 without NUL); what it
//! accepts `datagram` writes back byte for byte, with the payload or without it.
#![no_main]

use ffibench_core::events::{self, DATAGRAM_HEADER, PAYLOAD_MAX};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let model = data.len() >= DATAGRAM_HEADER
        && data.len() <= DATAGRAM_HEADER + PAYLOAD_MAX
        && std::str::from_utf8(&data[DATAGRAM_HEADER..]).is_ok()
        && !data[DATAGRAM_HEADER..].contains(&0);
    let with = events::parse_datagram(data, true);
    let without = events::parse_datagram(data, false);
    assert_eq!(with.is_some(), model);
    assert_eq!(without.is_some(), model);
    if let (Some(with), Some(without)) = (with, without) {
        assert_eq!(events::datagram(&with), data);
        assert_eq!(events::datagram(&without), &data[..DATAGRAM_HEADER]);
        assert_eq!(with.payload_text().as_bytes(), &data[DATAGRAM_HEADER..]);
        assert_eq!(without.payload_len, 0);
        assert!(
            with.payload[with.payload_len as usize..]
                .iter()
                .all(|&b| b == 0)
        );
    }
    if let Ok(name) = std::str::from_utf8(data) {
        let policy = events::Policy::parse(name);
        assert_eq!(
            policy.is_ok(),
            name == "block" || name == "drop",
            "{name:?}"
        );
    }
});
