//! Scenario 6, `events`, through the C ABI: an opaque `ffibench_event_stream` handle whose
//! producer runs on a Rust thread, and `ffibench_event` records the caller reads directly.
//!
//! The caller polls into its own array of `ffibench_event` (`_poll`: whatever is queued, at
//! once) or waits for one event with a timeout (`_recv`); `_fd` gives an eventfd that is
//! readable while an event is queued or the stream is stopped, for `poll(2)`, `epoll` or an
//! event loop. Unlike the other handles of this library, a stream may be used from several
//! threads at once (every function but `_free`): a consumer can wait in `_recv` while another
//! thread calls `_stop`.

use std::ffi::{c_char, c_int};
use std::time::Duration;

use ffibench_core::events::{self as core, Event, EventStream, Policy, Received};

use crate::error::Failure;
use crate::{Status, guard, store, text};

/// The longest payload of an event, in bytes.
pub const FFIBENCH_EVENT_PAYLOAD_MAX: usize = 24;
/// A full queue blocks the producer: no event is lost.
pub const FFIBENCH_POLICY_BLOCK: c_int = 0;
/// A full queue drops the new event and counts it.
pub const FFIBENCH_POLICY_DROP: c_int = 1;
/// `ffibench_event_stream_recv` wrote an event.
pub const FFIBENCH_RECEIVED_EVENT: c_int = 0;
/// `ffibench_event_stream_recv` found none before its timeout.
pub const FFIBENCH_RECEIVED_TIMED_OUT: c_int = 1;
/// `ffibench_event_stream_recv`: the stream is stopped and empty; no event will come.
pub const FFIBENCH_RECEIVED_ENDED: c_int = 2;

/// An event source on a Rust thread with a bounded queue. Opaque.
pub struct FfiEventStream(EventStream);

/// One event (56 bytes, no padding).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct FfiEvent {
    /// When it was made, in ns of CLOCK_MONOTONIC.
    pub timestamp_ns: i64,
    /// The source's id.
    pub source: u32,
    /// The bytes of `payload` in use (0: none).
    pub payload_len: u32,
    /// The sequence number, from 0 in the order the source made them.
    pub seq: u64,
    /// The reading.
    pub value: f64,
    /// UTF-8 without NUL: `payload_len` bytes, then zeros.
    pub payload: [u8; 24],
}

// The header needs the literal; the core's constant is the truth.
const _: () = assert!(FFIBENCH_EVENT_PAYLOAD_MAX == core::PAYLOAD_MAX);

impl From<&Event> for FfiEvent {
    fn from(event: &Event) -> Self {
        Self {
            timestamp_ns: event.timestamp_ns,
            source: event.source,
            payload_len: event.payload_len,
            seq: event.seq,
            value: event.value,
            payload: event.payload,
        }
    }
}

/// A stream's counters: `produced == delivered + dropped + queued`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct FfiEventStats {
    /// Events made or received, dropped ones included.
    pub produced: u64,
    /// Events handed to the caller.
    pub delivered: u64,
    /// Events dropped (a full queue under the dropping policy, a malformed datagram).
    pub dropped: u64,
}

fn policy(code: c_int) -> Result<Policy, Failure> {
    match code {
        FFIBENCH_POLICY_BLOCK => Ok(Policy::Block),
        FFIBENCH_POLICY_DROP => Ok(Policy::Drop),
        other => Err(Failure::Core(ffibench_core::CoreError::InvalidValue(
            format!("policy must be FFIBENCH_POLICY_BLOCK or FFIBENCH_POLICY_DROP, not {other}"),
        ))),
    }
}

/// Borrows the stream behind a handle.
///
/// # Safety
///
/// `stream` must be NULL or a live handle from this library.
unsafe fn stream_ref<'a>(stream: *const FfiEventStream) -> Result<&'a EventStream, Failure> {
    // SAFETY: NULL or a live handle, by the caller's contract.
    let stream = &unsafe { stream.as_ref() }
        .ok_or(Failure::NullPointer("stream"))?
        .0;
    // A fork child's copy of a stream: `FFIBENCH_STATUS_INVALID_STATE`, never a wait on a
    // lock the parent's thread may have held at the fork.
    stream.check_owner()?;
    Ok(stream)
}

fn new_stream(
    out: *mut *mut FfiEventStream,
    make: impl FnOnce() -> Result<EventStream, Failure>,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        let stream = make()?;
        store(out, Box::into_raw(Box::new(FfiEventStream(stream))))
    })
}

/// Makes a synthetic stream (not started): `rate` events per second when `paced`, else flat
/// out; a queue of `capacity` events; `policy` one of `FFIBENCH_POLICY_*`; the generator of
/// `seed`; the text payload when `payload`.
///
/// # Safety
///
/// `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_new(
    paced: bool,
    rate: f64,
    capacity: usize,
    policy_code: c_int,
    seed: u64,
    payload: bool,
    out: *mut *mut FfiEventStream,
) -> Status {
    new_stream(out, || {
        let rate = paced.then_some(rate);
        Ok(EventStream::synthetic(
            rate,
            capacity,
            policy(policy_code)?,
            seed,
            payload,
        )?)
    })
}

/// Makes a UDP stream (not started), bound now to the IPv4 address given as `host_len` bytes
/// of text at `host` and `port` (0: the kernel picks; `_port` says which).
/// `FFIBENCH_STATUS_IO` with the OS error number when it cannot bind (a port in use).
///
/// # Safety
///
/// `host` must point to `host_len` readable bytes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_udp(
    host: *const c_char,
    host_len: usize,
    port: u16,
    capacity: usize,
    policy_code: c_int,
    payload: bool,
    out: *mut *mut FfiEventStream,
) -> Status {
    new_stream(out, || {
        // SAFETY: forwarded from this function's contract.
        let host = unsafe { text(host, host_len) }?;
        Ok(EventStream::udp(
            host,
            port,
            capacity,
            policy(policy_code)?,
            payload,
        )?)
    })
}

/// Stops (joining its thread) and frees a stream. NULL is ignored. In a `fork` child of the
/// process that made it, frees only what is the child's (the producer is the parent's).
///
/// # Safety
///
/// `stream` must be NULL or a live handle, freed only here, used by no other thread now.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_free(stream: *mut FfiEventStream) {
    // Guarded: no panic may unwind into C (a failed join, say); the status has nowhere to go.
    let _ = guard(|| {
        if !stream.is_null() {
            // SAFETY: a handle made by `Box::into_raw` in this module and freed once.
            drop(unsafe { Box::from_raw(stream) });
        }
        Ok(())
    });
}

/// Starts the producer thread; `FFIBENCH_STATUS_INVALID_STATE` if it was started before, or
/// if the thread cannot be made (the stream is then stopped). Every function but `_free`
/// returns `FFIBENCH_STATUS_INVALID_STATE` in a `fork` child of the process that made the
/// stream.
///
/// # Safety
///
/// `stream` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_start(stream: *const FfiEventStream) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| Ok(unsafe { stream_ref(stream) }?.start()?))
}

/// Stops the producer and joins its thread; the queued events stay to be taken. Does nothing
/// the second time.
///
/// # Safety
///
/// `stream` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_stop(stream: *const FfiEventStream) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        unsafe { stream_ref(stream) }?.stop();
        Ok(())
    })
}

/// Takes up to `max` queued events at once into `out` and writes how many to `count`.
///
/// # Safety
///
/// `stream` a live handle; `out` `max` writable `ffibench_event` (NULL when `max` is 0);
/// `count` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_poll(
    stream: *const FfiEventStream,
    out: *mut FfiEvent,
    max: usize,
    count: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let stream = unsafe { stream_ref(stream) }?;
        if count.is_null() {
            return Err(Failure::NullPointer("count"));
        }
        if max > 0 && out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        if !out.is_aligned() {
            return Err(Failure::Misaligned("out"));
        }
        let mut index = 0;
        let taken = stream.drain(max, |event| {
            // SAFETY: `index < max` (drain hands over at most `max` events) and the caller
            // guarantees `max` writable, aligned records at `out`.
            unsafe { out.add(index).write(FfiEvent::from(event)) };
            index += 1;
        });
        store(count, taken)
    })
}

/// Waits up to `timeout_ns` (negative: as long as it takes) for the next event. Writes to
/// `outcome` one of `FFIBENCH_RECEIVED_*`, and the event to `out` when there is one.
///
/// # Safety
///
/// `stream` a live handle; `out` and `outcome` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_recv(
    stream: *const FfiEventStream,
    timeout_ns: i64,
    out: *mut FfiEvent,
    outcome: *mut c_int,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let stream = unsafe { stream_ref(stream) }?;
        if out.is_null() || outcome.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        let timeout = u64::try_from(timeout_ns).ok().map(Duration::from_nanos);
        let received = if timeout == Some(Duration::ZERO) {
            stream.try_recv()
        } else {
            stream.recv(timeout)
        };
        match received {
            Received::Event(event) => {
                store(out, FfiEvent::from(&event))?;
                store(outcome, FFIBENCH_RECEIVED_EVENT)
            }
            Received::TimedOut => store(outcome, FFIBENCH_RECEIVED_TIMED_OUT),
            Received::Ended => store(outcome, FFIBENCH_RECEIVED_ENDED),
        }
    })
}

/// Writes the counters to `out`.
///
/// # Safety
///
/// `stream` a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_stats(
    stream: *const FfiEventStream,
    out: *mut FfiEventStats,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let stats = unsafe { stream_ref(stream) }?.stats();
        store(
            out,
            FfiEventStats {
                produced: stats.produced,
                delivered: stats.delivered,
                dropped: stats.dropped,
            },
        )
    })
}

/// Writes the number of queued events to `out`.
///
/// # Safety
///
/// `stream` a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_pending(
    stream: *const FfiEventStream,
    out: *mut usize,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { stream_ref(stream) }?.len()))
}

/// Writes the stream's state: `running` (started and not stopped) and `stopped` (stop was
/// called: no event will come but those queued).
///
/// # Safety
///
/// `stream` a live handle; `running` and `stopped` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_state(
    stream: *const FfiEventStream,
    running: *mut bool,
    stopped: *mut bool,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let stream = unsafe { stream_ref(stream) }?;
        store(running, stream.is_running())?;
        store(stopped, stream.is_stopped())
    })
}

/// Writes the eventfd that is readable while an event is queued or the stream is stopped.
/// It belongs to the stream: wait on it, never read, write or close it.
///
/// # Safety
///
/// `stream` a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_fd(
    stream: *const FfiEventStream,
    out: *mut c_int,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { stream_ref(stream) }?.fd()))
}

/// Writes the UDP port the stream is bound to (0 for a synthetic stream).
///
/// # Safety
///
/// `stream` a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_event_stream_port(
    stream: *const FfiEventStream,
    out: *mut u16,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { stream_ref(stream) }?.port().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;

    #[test]
    fn a_stream_through_the_c_abi() {
        let mut handle = ptr::null_mut();
        // SAFETY: every pointer is valid for the call; the handle is freed once at the end.
        unsafe {
            let status = ffibench_event_stream_new(
                false,
                0.0,
                64,
                FFIBENCH_POLICY_BLOCK,
                5,
                true,
                &mut handle,
            );
            assert_eq!(status, Status::Ok);
            assert_eq!(ffibench_event_stream_start(handle), Status::Ok);
            assert_eq!(ffibench_event_stream_start(handle), Status::InvalidState);
            let mut events = vec![
                FfiEvent {
                    timestamp_ns: 0,
                    source: 0,
                    payload_len: 0,
                    seq: 0,
                    value: 0.0,
                    payload: [0; FFIBENCH_EVENT_PAYLOAD_MAX],
                };
                32
            ];
            let mut seen = 0_u64;
            while seen < 1000 {
                let mut outcome = -1;
                let status = ffibench_event_stream_recv(
                    handle,
                    1_000_000_000,
                    events.as_mut_ptr(),
                    &mut outcome,
                );
                assert_eq!((status, outcome), (Status::Ok, FFIBENCH_RECEIVED_EVENT));
                assert_eq!(events[0].seq, seen);
                seen += 1;
                let mut count = 0;
                let status = ffibench_event_stream_poll(
                    handle,
                    events.as_mut_ptr(),
                    events.len(),
                    &mut count,
                );
                assert_eq!(status, Status::Ok);
                for event in &events[..count] {
                    assert_eq!(event.seq, seen);
                    seen += 1;
                }
            }
            assert_eq!(ffibench_event_stream_stop(handle), Status::Ok);
            let mut stats = FfiEventStats {
                produced: 0,
                delivered: 0,
                dropped: 0,
            };
            assert_eq!(ffibench_event_stream_stats(handle, &mut stats), Status::Ok);
            assert_eq!(stats.dropped, 0);
            assert!(stats.delivered >= 1000);
            let status = ffibench_event_stream_poll(handle, ptr::null_mut(), 1, &mut 0);
            assert_eq!(status, Status::NullPointer);
            let mut bad = ptr::null_mut();
            let status = ffibench_event_stream_new(false, 0.0, 64, 7, 0, false, &mut bad);
            assert_eq!(status, Status::InvalidValue);
            assert!(bad.is_null());
            ffibench_event_stream_free(handle);
            ffibench_event_stream_free(ptr::null_mut());
        }
    }
}
