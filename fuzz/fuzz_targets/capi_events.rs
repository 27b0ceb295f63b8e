//! The events scenario's byte inputs through the C ABI: `ffibench_event_stream_udp` with a
//! fuzzed host text (valid UTF-8 or not, NULL with a length), capacity and policy code, and,
//! on a stream bound to the loopback, fuzzed datagrams sent to it and polled back. Every
//! status is the contract's (the text, the policy, the host, the capacity, in that order),
//! never a panic; each datagram is counted once, produced = delivered + dropped + queued;
//! the events polled are exactly the well-formed datagrams, parsed as `parse_datagram` does,
//! in order; every stream is freed, its thread joined (LeakSanitizer). Only loopback
//! addresses are ever bound: a host that parses to any other address is not passed on.
#![no_main]

use std::net::{Ipv4Addr, UdpSocket};
use std::time::{Duration, Instant};

use ffibench_capi::{self as capi, FfiEvent, FfiEventStats, FfiEventStream, Status};
use ffibench_core::events::{self, CAPACITY_MAX};
use ffibench_fuzz::capi::{expect, pointer, text_status};
use libfuzzer_sys::fuzz_target;

/// The input: capacity, policy and flag bytes, the host's length and bytes, then datagrams,
/// each its length byte and its bytes (a layout seeds can be written in by hand).
struct Input {
    host: Vec<u8>,
    null: bool,
    capacity: u8,
    policy: i8,
    payload: bool,
    datagrams: Vec<Vec<u8>>,
}

impl Input {
    fn parse(data: &[u8]) -> Option<Self> {
        let [capacity, policy, flags, host_len, rest @ ..] = data else {
            return None;
        };
        let (host, mut rest) = rest.split_at(usize::from(*host_len).min(rest.len()));
        let mut datagrams = Vec::new();
        while let Some((&len, more)) = rest.split_first() {
            let (datagram, more) = more.split_at(usize::from(len).min(more.len()));
            datagrams.push(datagram.to_vec());
            rest = more;
        }
        Some(Self {
            host: host.to_vec(),
            null: flags & 1 != 0,
            capacity: *capacity,
            policy: *policy as i8,
            payload: flags & 2 != 0,
            datagrams,
        })
    }
}

fn stats(stream: *const FfiEventStream) -> FfiEventStats {
    let mut out = FfiEventStats {
        produced: 0,
        delivered: 0,
        dropped: 0,
    };
    // SAFETY: a live stream, a writable out.
    expect(
        unsafe { capi::ffibench_event_stream_stats(stream, &raw mut out) },
        Status::Ok,
        "stats",
    );
    out
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::parse(data) else {
        return;
    };
    let host = std::str::from_utf8(&input.host).ok();
    let address = host.and_then(|host| host.parse::<Ipv4Addr>().ok());
    if address.is_some_and(|address| !address.is_loopback()) {
        return; // never bind anything but the loopback
    }
    let capacity = usize::from(input.capacity % 12);
    let policy = i32::from(input.policy % 3);
    let mut stream = std::ptr::null_mut();
    // SAFETY: `len` readable bytes of host (or NULL); a writable out.
    let status = unsafe {
        capi::ffibench_event_stream_udp(
            pointer(&input.host, input.null),
            input.host.len(),
            0,
            capacity,
            policy,
            input.payload,
            &raw mut stream,
        )
    };
    let expected = text_status(&input.host, input.null).unwrap_or(
        if !(0..=1).contains(&policy)
            || address.is_none()
            || capacity == 0
            || capacity > CAPACITY_MAX
        {
            Status::InvalidValue
        } else {
            Status::Ok
        },
    );
    expect(status, expected, "event_stream_udp");
    if status != Status::Ok {
        assert!(stream.is_null());
        return;
    }
    let mut port = 0_u16;
    // SAFETY: a live stream, a writable out.
    expect(
        unsafe { capi::ffibench_event_stream_port(stream, &raw mut port) },
        Status::Ok,
        "port",
    );
    assert_ne!(port, 0);
    let datagrams = &input.datagrams[..input.datagrams.len().min(4)];
    if !datagrams.is_empty() && capacity >= datagrams.len() {
        // SAFETY: a live stream.
        expect(
            unsafe { capi::ffibench_event_stream_start(stream) },
            Status::Ok,
            "start",
        );
        let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("a client socket");
        let target = (address.unwrap_or(Ipv4Addr::LOCALHOST), port);
        let mut sent = 0;
        for datagram in datagrams {
            // A datagram too large for UDP is refused by the OS, not sent.
            if client.send_to(datagram, target).is_ok() {
                sent += 1;
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while stats(stream).produced < sent && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(50));
        }
        let mut out = [FfiEvent {
            timestamp_ns: 0,
            source: 0,
            payload_len: 0,
            seq: 0,
            value: 0.0,
            payload: [0; 24],
        }; 8];
        let mut count = 0;
        // SAFETY: a live stream; 8 writable events; a writable count.
        expect(
            unsafe {
                capi::ffibench_event_stream_poll(
                    stream,
                    out.as_mut_ptr(),
                    out.len(),
                    &raw mut count,
                )
            },
            Status::Ok,
            "poll",
        );
        let model: Vec<_> = datagrams
            .iter()
            .filter_map(|d| events::parse_datagram(d, input.payload))
            .collect();
        let counted = stats(stream);
        assert_eq!(counted.produced, sent, "every datagram counted once");
        assert_eq!(
            counted.produced,
            counted.delivered + counted.dropped,
            "nothing left queued"
        );
        assert_eq!(count, model.len(), "well-formed datagrams delivered");
        for (got, want) in out.iter().zip(&model) {
            assert_eq!(
                (
                    got.timestamp_ns,
                    got.source,
                    got.seq,
                    got.value.to_bits(),
                    got.payload_len,
                    got.payload
                ),
                (
                    want.timestamp_ns,
                    want.source,
                    want.seq,
                    want.value.to_bits(),
                    want.payload_len,
                    want.payload
                )
            );
        }
        // SAFETY: a live stream.
        expect(
            unsafe { capi::ffibench_event_stream_stop(stream) },
            Status::Ok,
            "stop",
        );
    }
    // SAFETY: made above, freed once (joins the receiver).
    unsafe { capi::ffibench_event_stream_free(stream) };
});
