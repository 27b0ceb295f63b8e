//! Scenario 6, `events`: an event source on a Rust thread, handing events to a consumer through
//! a bounded queue without ever needing the consumer's thread (or Python's GIL).
//!
//! An [`EventStream`] owns one producer thread: a synthetic generator (paced by sleeping on a
//! condition variable, never by spinning, or flat out) or a UDP receiver on a socket it bound.
//! The producer pushes into a queue of at most `capacity` events; when it is full the
//! [`Policy`] either blocks the producer (no event is lost) or drops the new events and counts
//! them. Every event has a sequence number, so a consumer can prove that nothing was lost
//! silently: `produced == delivered + dropped + queued` at every moment ([`Stats`]).
//!
//! Readiness is an eventfd ([`EventStream::fd`]): readable exactly while the queue holds an
//! event or the stream is stopped, so an event loop can wait on it (`loop.add_reader`) instead
//! of a thread. It is written only when the queue goes from empty to not empty and read (reset)
//! only when a consumer empties it, both under the queue's lock, so it costs one system call
//! per burst, not per event.
//!
//! The synthetic generator is the counter-based SplitMix64 of [`crate::random`]: event `seq` of
//! seed `s` has `source = draw(s, 2 seq) % 16` and `value = 20 + 10 uniform(s, 2 seq + 1)`,
//! and, with a payload, the text `"{source}:{seq}"`. The Python spec computes the same numbers.

use std::collections::VecDeque;
use std::io::{ErrorKind, Write};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustix::event::{EventfdFlags, eventfd};
use rustix::time::{ClockId, clock_gettime};

use crate::random::{draw, uniform};
use crate::{CoreError, CoreResult};

/// The longest payload, in bytes of UTF-8.
pub const PAYLOAD_MAX: usize = 24;
/// The synthetic generator's number of sources (ids `0..SOURCES`).
pub const SOURCES: u64 = 16;
/// The largest queue a stream accepts.
pub const CAPACITY_MAX: usize = 1 << 24;
/// The fastest paced rate, in events per second.
pub const RATE_MAX: f64 = 1e9;
/// The bytes of a datagram before its payload: `<qIQd` (timestamp, source, seq, value).
pub const DATAGRAM_HEADER: usize = 28;
/// The most events a producer makes under one lock of the queue.
const CHUNK: u64 = 256;
/// The longest a paced producer sleeps at once (it then looks again).
const LONGEST_WAIT_S: f64 = 3600.0;
/// How long a blocked UDP receive waits before it looks at the stop flag again (a stop also
/// wakes it at once with an empty datagram to itself; this is only the fallback).
const RECEIVE_SLICE: Duration = Duration::from_millis(100);
/// How long a blocked producer that found no memory for more events waits before it tries
/// again (a consumer's take wakes it sooner).
const MEMORY_RETRY: Duration = Duration::from_millis(10);

/// One event. The layout is fixed (`#[repr(C)]`, 56 bytes, no padding): the C ABI's
/// `ffibench_event` and the NumPy dtype of the bindings mirror it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// When the event was made, in ns of CLOCK_MONOTONIC (Python's `time.monotonic_ns()`).
    pub timestamp_ns: i64,
    /// The source's id.
    pub source: u32,
    /// The number of bytes of `payload` in use (0: none).
    pub payload_len: u32,
    /// The sequence number: 0, 1, 2... in the order the source made the events.
    pub seq: u64,
    /// The reading.
    pub value: f64,
    /// UTF-8 text without NUL, `payload_len` bytes, then zeros.
    pub payload: [u8; PAYLOAD_MAX],
}

impl Event {
    /// The payload's text (empty when there is none).
    pub fn payload_text(&self) -> &str {
        let len = (self.payload_len as usize).min(PAYLOAD_MAX);
        std::str::from_utf8(&self.payload[..len]).unwrap_or("")
    }
}

/// Now, in ns of CLOCK_MONOTONIC (the clock of Python's `time.monotonic_ns()`).
pub fn monotonic_ns() -> i64 {
    let now = clock_gettime(ClockId::Monotonic);
    now.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(now.tv_nsec)
}

/// Event `seq` of the synthetic generator of `seed`, stamped `timestamp_ns`.
pub fn synthetic(seed: u64, seq: u64, payload: bool, timestamp_ns: i64) -> Event {
    let index = seq.wrapping_mul(2);
    let source = (draw(seed, index) % SOURCES) as u32;
    let value = 20.0 + 10.0 * uniform(seed, index.wrapping_add(1));
    let mut event = Event {
        timestamp_ns,
        source,
        payload_len: 0,
        seq,
        value,
        payload: [0; PAYLOAD_MAX],
    };
    if payload {
        let mut text = &mut event.payload[..];
        // "{u32 < 16}:{u64}" is at most 2 + 1 + 20 = 23 bytes: it always fits.
        if write!(text, "{source}:{seq}").is_ok() {
            let left = text.len();
            event.payload_len = (PAYLOAD_MAX - left) as u32;
        }
    }
    event
}

/// A datagram in the wire format of the UDP source: `DATAGRAM_HEADER` bytes little-endian
/// (`timestamp_ns: i64, source: u32, seq: u64, value: f64`), then the payload's UTF-8.
pub fn datagram(event: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(DATAGRAM_HEADER + event.payload_len as usize);
    out.extend_from_slice(&event.timestamp_ns.to_le_bytes());
    out.extend_from_slice(&event.source.to_le_bytes());
    out.extend_from_slice(&event.seq.to_le_bytes());
    out.extend_from_slice(&event.value.to_le_bytes());
    out.extend_from_slice(event.payload_text().as_bytes());
    out
}

/// The event a datagram carries; `None` for a malformed one (shorter than the header, a
/// payload longer than [`PAYLOAD_MAX`], not UTF-8 or holding a NUL). With `payload` false the
/// payload is left out.
pub fn parse_datagram(data: &[u8], payload: bool) -> Option<Event> {
    if data.len() < DATAGRAM_HEADER || data.len() > DATAGRAM_HEADER + PAYLOAD_MAX {
        return None;
    }
    let (header, text) = data.split_at(DATAGRAM_HEADER);
    let field = |start: usize| -> [u8; 8] {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&header[start..start + 8]);
        bytes
    };
    let mut source = [0; 4];
    source.copy_from_slice(&header[8..12]);
    if std::str::from_utf8(text).is_err() || text.contains(&0) {
        return None;
    }
    let mut event = Event {
        timestamp_ns: i64::from_le_bytes(field(0)),
        source: u32::from_le_bytes(source),
        payload_len: 0,
        seq: u64::from_le_bytes(field(12)),
        value: f64::from_le_bytes(field(20)),
        payload: [0; PAYLOAD_MAX],
    };
    if payload {
        event.payload[..text.len()].copy_from_slice(text);
        event.payload_len = text.len() as u32;
    }
    Some(event)
}

/// What a producer does when the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Wait until the consumer makes room: no event is lost.
    Block,
    /// Drop the new event and count it.
    Drop,
}

impl Policy {
    /// `"block"` or `"drop"`; `InvalidValue` otherwise.
    pub fn parse(name: &str) -> CoreResult<Self> {
        match name {
            "block" => Ok(Self::Block),
            "drop" => Ok(Self::Drop),
            other => Err(CoreError::InvalidValue(format!(
                "policy must be 'block' or 'drop', not {other:?}"
            ))),
        }
    }

    /// The policy's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::Drop => "drop",
        }
    }
}

/// A stream's counters: `produced == delivered + dropped + queued`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Events the source made (or received), dropped ones included.
    pub produced: u64,
    /// Events handed to the consumer.
    pub delivered: u64,
    /// Events dropped: the queue was full under the dropping policy, or a datagram was
    /// malformed.
    pub dropped: u64,
}

/// What [`EventStream::recv`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Received {
    /// The next event.
    Event(Event),
    /// None came before the timeout.
    TimedOut,
    /// The stream is stopped and its queue is empty: none will ever come.
    Ended,
}

/// The checked `rate` of a paced stream (`None`: flat out).
pub fn check_rate(rate: Option<f64>) -> CoreResult<Option<f64>> {
    match rate {
        Some(value) if !(value.is_finite() && value > 0.0 && value <= RATE_MAX) => {
            Err(CoreError::InvalidValue(format!(
                "rate must be a number of events per second in (0, {RATE_MAX:e}], not {value}"
            )))
        }
        other => Ok(other),
    }
}

/// The checked `capacity` of a queue.
pub fn check_capacity(capacity: usize) -> CoreResult<usize> {
    if capacity == 0 || capacity > CAPACITY_MAX {
        return Err(CoreError::InvalidValue(format!(
            "capacity must be in 1 ..= {CAPACITY_MAX}, not {capacity}"
        )));
    }
    Ok(capacity)
}

struct Queue {
    events: VecDeque<Event>,
    stats: Stats,
    /// Stop requested: the producer leaves at its next look.
    stopping: bool,
    /// The producer is gone (or never started and never will): no event will come.
    stopped: bool,
    consumers_waiting: usize,
    producer_waiting: bool,
    /// Whether the eventfd's counter is not zero.
    signalled: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Consumers wait here for an event.
    readable: Condvar,
    /// The producer waits here for room, or for the time of its next event.
    writable: Condvar,
    ready: OwnedFd,
    capacity: usize,
    policy: Policy,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// After events went in: make the eventfd readable and wake waiting consumers.
    fn announce(&self, queue: &mut Queue) {
        if !queue.signalled {
            queue.signalled = true;
            // An eventfd write of 1 fails only if the counter would overflow: it cannot here.
            let _ = rustix::io::write(&self.ready, &1_u64.to_ne_bytes());
        }
        if queue.consumers_waiting > 0 {
            self.readable.notify_all();
        }
    }

    /// After events went out: reset the eventfd once the queue is empty (a stopped stream
    /// stays readable, so that a waiting event loop sees the end), and wake the producer.
    fn taken(&self, queue: &mut Queue) {
        if queue.events.is_empty() && queue.signalled && !queue.stopped {
            let mut counter = [0_u8; 8];
            // Non-blocking; the counter is not zero (`signalled`), so the read succeeds.
            let _ = rustix::io::read(&self.ready, &mut counter);
            queue.signalled = false;
        }
        if queue.producer_waiting {
            self.writable.notify_one();
        }
    }

    /// Waits for room under the blocking policy; `false` when the stream is stopping.
    fn wait_for_room<'a>(&self, mut queue: MutexGuard<'a, Queue>) -> Option<MutexGuard<'a, Queue>> {
        while queue.events.len() >= self.capacity {
            if queue.stopping {
                return None;
            }
            queue.producer_waiting = true;
            queue = self
                .writable
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
            queue.producer_waiting = false;
        }
        (!queue.stopping).then_some(queue)
    }

    /// Room for `wanted` more events in the queue's memory: what a full queue would hold may
    /// not be allocatable (an address-space limit); `false` then, and the caller treats the
    /// queue as full instead of aborting the process in the allocator.
    fn reserve(queue: &mut Queue, wanted: usize) -> bool {
        wanted == 0 || queue.events.try_reserve(wanted).is_ok()
    }

    /// Under the blocking policy with no memory for more events: wait a little (a consumer's
    /// take wakes it) and look again. `None` when the stream is stopping.
    fn wait_for_memory<'a>(
        &self,
        mut queue: MutexGuard<'a, Queue>,
    ) -> Option<MutexGuard<'a, Queue>> {
        queue.producer_waiting = true;
        let (mut queue, _) = self
            .writable
            .wait_timeout(queue, MEMORY_RETRY)
            .unwrap_or_else(PoisonError::into_inner);
        queue.producer_waiting = false;
        (!queue.stopping).then_some(queue)
    }

    /// One event in, under the policy. `false` when the stream is stopping.
    fn push(&self, event: Option<Event>) -> bool {
        let queue = self.lock();
        if queue.stopping {
            return false;
        }
        let mut queue = match (self.policy, event) {
            (Policy::Block, Some(_)) => match self.wait_for_room(queue) {
                Some(queue) => queue,
                None => return false,
            },
            _ => queue,
        };
        // No memory for it: dropped and counted, whatever the policy (the kernel drops the
        // datagrams of a full socket buffer anyway; a UDP sender cannot be made to wait).
        queue.stats.produced += 1;
        match event {
            Some(event) if queue.events.len() < self.capacity && Self::reserve(&mut queue, 1) => {
                queue.events.push_back(event);
                self.announce(&mut queue);
            }
            _ => queue.stats.dropped += 1,
        }
        true
    }
}

enum Source {
    Synthetic {
        rate: Option<f64>,
        seed: u64,
    },
    Udp {
        socket: Arc<UdpSocket>,
        wake: SocketAddrV4,
    },
}

enum Phase {
    Ready(Source),
    Running {
        thread: JoinHandle<()>,
        wake: Option<(Arc<UdpSocket>, SocketAddrV4)>,
    },
    Stopped,
}

/// An event source on a Rust thread feeding a bounded queue (see the module's documentation).
///
/// `start` starts the producer once; `stop` stops and joins it (also on drop); a stopped
/// stream cannot be restarted, but what it queued can still be taken.
pub struct EventStream {
    shared: Arc<Shared>,
    phase: Mutex<Phase>,
    payload: bool,
    port: Option<u16>,
    /// The process that made the stream: a child made by `fork` has a copy of the stream but
    /// not its producer thread, and a copy of the queue's lock as it was at the fork (perhaps
    /// held by that thread, forever): it must not touch either.
    owner: u32,
}

impl EventStream {
    fn with_source(
        source: Source,
        capacity: usize,
        policy: Policy,
        payload: bool,
        port: Option<u16>,
    ) -> CoreResult<Self> {
        let capacity = check_capacity(capacity)?;
        let ready = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
            .map_err(|error| io_error(error.into(), "eventfd"))?;
        let queue = Queue {
            events: VecDeque::new(),
            stats: Stats::default(),
            stopping: false,
            stopped: false,
            consumers_waiting: 0,
            producer_waiting: false,
            signalled: false,
        };
        Ok(Self {
            shared: Arc::new(Shared {
                queue: Mutex::new(queue),
                readable: Condvar::new(),
                writable: Condvar::new(),
                ready,
                capacity,
                policy,
            }),
            phase: Mutex::new(Phase::Ready(source)),
            payload,
            port,
            owner: std::process::id(),
        })
    }

    /// Whether this process is a `fork` child of the one that made the stream.
    fn foreign(&self) -> bool {
        std::process::id() != self.owner
    }

    /// `State` in a `fork` child of the process that made the stream: there the stream's
    /// producer does not exist and its lock may be held forever, so every use is refused (the
    /// bindings call this before any other method; `stop` and drop do nothing there).
    pub fn check_owner(&self) -> CoreResult<()> {
        if self.foreign() {
            return Err(CoreError::State(
                "the stream belongs to the parent process (this process is a fork child of the \
                 one that made it); make a new stream here"
                    .into(),
            ));
        }
        Ok(())
    }

    /// A synthetic source: `rate` events per second (`None`: flat out) from the generator of
    /// `seed`, with the text payload when `payload`.
    pub fn synthetic(
        rate: Option<f64>,
        capacity: usize,
        policy: Policy,
        seed: u64,
        payload: bool,
    ) -> CoreResult<Self> {
        let rate = check_rate(rate)?;
        Self::with_source(
            Source::Synthetic { rate, seed },
            capacity,
            policy,
            payload,
            None,
        )
    }

    /// A UDP source: binds `host:port` now (port 0: the kernel picks; [`Self::port`] says
    /// which), receives datagrams once started. `host` is an IPv4 address.
    pub fn udp(
        host: &str,
        port: u16,
        capacity: usize,
        policy: Policy,
        payload: bool,
    ) -> CoreResult<Self> {
        let address: Ipv4Addr = host.parse().map_err(|_| {
            CoreError::InvalidValue(format!("host must be an IPv4 address, not {host:?}"))
        })?;
        check_capacity(capacity)?;
        let name = format!("{address}:{port}");
        let socket = UdpSocket::bind(SocketAddrV4::new(address, port))
            .map_err(|error| io_error(error, &name))?;
        socket
            .set_read_timeout(Some(RECEIVE_SLICE))
            .map_err(|error| io_error(error, &name))?;
        let bound = socket
            .local_addr()
            .map_err(|error| io_error(error, &name))?
            .port();
        // A stop wakes the receiver with an empty datagram to itself, through the loopback
        // when it is bound to every address.
        let wake_host = if address.is_unspecified() {
            Ipv4Addr::LOCALHOST
        } else {
            address
        };
        let source = Source::Udp {
            socket: Arc::new(socket),
            wake: SocketAddrV4::new(wake_host, bound),
        };
        Self::with_source(source, capacity, policy, payload, Some(bound))
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the producer thread. `State` when it was started before.
    pub fn start(&self) -> CoreResult<()> {
        let mut phase = self.phase();
        let source = match std::mem::replace(&mut *phase, Phase::Stopped) {
            Phase::Ready(source) => source,
            running @ Phase::Running { .. } => {
                *phase = running;
                return Err(CoreError::State("the stream is already running".into()));
            }
            Phase::Stopped => {
                return Err(CoreError::State(
                    "the stream is stopped; a stream cannot be restarted".into(),
                ));
            }
        };
        let shared = Arc::clone(&self.shared);
        let payload = self.payload;
        let (wake, body): (_, Box<dyn FnOnce() + Send>) = match source {
            Source::Synthetic { rate, seed } => (
                None,
                Box::new(move || generate(&shared, rate, seed, payload)),
            ),
            Source::Udp { socket, wake } => {
                let receiver = Arc::clone(&socket);
                (
                    Some((socket, wake)),
                    Box::new(move || receive(&shared, &receiver, payload)),
                )
            }
        };
        match thread::Builder::new()
            .name("ffibench-events".into())
            .spawn(body)
        {
            Ok(thread) => {
                *phase = Phase::Running { thread, wake };
                Ok(())
            }
            Err(error) => {
                // The stream is stopped (as after `stop`): no producer will ever come.
                let mut queue = self.shared.lock();
                queue.stopping = true;
                queue.stopped = true;
                self.shared.announce(&mut queue);
                Err(CoreError::State(format!(
                    "cannot start the producer thread: {error}"
                )))
            }
        }
    }

    /// Stops the producer and joins its thread; what is queued stays to be taken. Does
    /// nothing the second time. A stream that was never started cannot be started after.
    pub fn stop(&self) {
        if self.foreign() {
            return; // a fork child: see `check_owner`
        }
        let mut phase = self.phase();
        let previous = std::mem::replace(&mut *phase, Phase::Stopped);
        {
            let mut queue = self.shared.lock();
            queue.stopping = true;
        }
        self.shared.writable.notify_all();
        if let Phase::Running { thread, wake } = previous {
            if let Some((socket, address)) = wake {
                // Wakes a receive in progress; if it is lost the receive's timeout does.
                let _ = socket.send_to(&[], address);
            }
            // A producer that panicked is a bug; the stream is stopped all the same.
            let _ = thread.join();
        }
        let mut queue = self.shared.lock();
        if !queue.stopped {
            queue.stopped = true;
            self.shared.announce(&mut queue);
            self.shared.readable.notify_all();
        }
    }

    /// Takes up to `max` events at once, in order, handing each to `sink` (under the queue's
    /// lock: `sink` must be quick and must not call into this stream). Returns how many.
    pub fn drain(&self, max: usize, mut sink: impl FnMut(&Event)) -> usize {
        let mut queue = self.shared.lock();
        let count = max.min(queue.events.len());
        for event in queue.events.drain(..count) {
            sink(&event);
        }
        queue.stats.delivered += count as u64;
        if count > 0 || queue.events.is_empty() {
            self.shared.taken(&mut queue);
        }
        count
    }

    /// The next event, waiting up to `timeout` (`None`: as long as it takes) for one.
    pub fn recv(&self, timeout: Option<Duration>) -> Received {
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let mut queue = self.shared.lock();
        loop {
            if let Some(event) = queue.events.pop_front() {
                queue.stats.delivered += 1;
                self.shared.taken(&mut queue);
                return Received::Event(event);
            }
            if queue.stopped {
                return Received::Ended;
            }
            queue.consumers_waiting += 1;
            let woken = match (timeout, deadline) {
                (Some(_), Some(deadline)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        queue.consumers_waiting -= 1;
                        return Received::TimedOut;
                    }
                    self.shared
                        .readable
                        .wait_timeout(queue, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                _ => self
                    .shared
                    .readable
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner),
            };
            queue = woken;
            queue.consumers_waiting -= 1;
        }
    }

    /// The next event if one is queued, without waiting.
    pub fn try_recv(&self) -> Received {
        let mut queue = self.shared.lock();
        match queue.events.pop_front() {
            Some(event) => {
                queue.stats.delivered += 1;
                self.shared.taken(&mut queue);
                Received::Event(event)
            }
            None if queue.stopped => Received::Ended,
            None => Received::TimedOut,
        }
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats
    }

    /// The number of events queued now.
    pub fn len(&self) -> usize {
        self.shared.lock().events.len()
    }

    /// Whether no event is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `stop` was called (no event will come but those queued).
    pub fn is_stopped(&self) -> bool {
        self.shared.lock().stopped
    }

    /// Whether the producer runs.
    pub fn is_running(&self) -> bool {
        matches!(*self.phase(), Phase::Running { .. })
    }

    /// The eventfd that is readable while an event is queued or the stream is stopped. It
    /// belongs to the stream: never read, write or close it; wait on it only.
    pub fn fd(&self) -> RawFd {
        self.shared.ready.as_raw_fd()
    }

    /// The port a UDP stream is bound to (`None` for a synthetic one).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether events carry their payload.
    pub fn payload(&self) -> bool {
        self.payload
    }

    /// The queue's capacity.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// The policy for a full queue.
    pub fn policy(&self) -> Policy {
        self.shared.policy
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if self.foreign() {
            // A fork child: the producer thread is the parent's, so its handle cannot be
            // joined (that would panic); the locks may be held forever. Forget the handle and
            // touch no lock (the shared state is the thread's too: it is never freed here).
            let phase = self.phase.get_mut().unwrap_or_else(PoisonError::into_inner);
            if let Phase::Running { thread, .. } = std::mem::replace(phase, Phase::Stopped) {
                std::mem::forget(thread);
            }
            return;
        }
        self.stop();
    }
}

fn io_error(error: std::io::Error, what: &str) -> CoreError {
    CoreError::Io {
        errno: error.raw_os_error().unwrap_or(0),
        message: error.to_string(),
        path: what.to_owned(),
    }
}

/// The synthetic producer: `CHUNK` events at most per lock, paced against the start time (the
/// events due by now are made at once, then it sleeps until the next one is due).
fn generate(shared: &Shared, rate: Option<f64>, seed: u64, payload: bool) {
    let start = Instant::now();
    let mut next: u64 = 0;
    loop {
        let due = match rate {
            None => CHUNK,
            Some(rate) => {
                let elapsed = start.elapsed().as_secs_f64();
                let by_now = (elapsed * rate) as u64 + 1;
                if by_now <= next {
                    // At most an hour at a time: a tiny rate's wait may not fit a Duration.
                    let wait = Duration::from_secs_f64(
                        (next as f64 / rate - elapsed).clamp(0.0, LONGEST_WAIT_S),
                    );
                    let queue = shared.lock();
                    if queue.stopping {
                        return;
                    }
                    // A stop wakes this wait at once.
                    let (queue, _) = shared
                        .writable
                        .wait_timeout(queue, wait)
                        .unwrap_or_else(PoisonError::into_inner);
                    if queue.stopping {
                        return;
                    }
                    continue;
                }
                (by_now - next).min(CHUNK)
            }
        };
        let mut queue = shared.lock();
        if queue.stopping {
            return;
        }
        if shared.policy == Policy::Block {
            queue = match shared.wait_for_room(queue) {
                Some(queue) => queue,
                None => return,
            };
        }
        let room = (shared.capacity - queue.events.len()) as u64;
        let mut made = due.min(room);
        if !Shared::reserve(&mut queue, made as usize) {
            // No memory for them: a full queue. Blocking waits for a take (or a while) and
            // tries again; dropping drops them below.
            made = 0;
            if shared.policy == Policy::Block {
                if shared.wait_for_memory(queue).is_none() {
                    return;
                }
                continue;
            }
        }
        // Blocking: only what fits is made now, the rest at the next turn. Dropping: the rest
        // are dropped, and their sequence numbers are used.
        let due = if shared.policy == Policy::Block {
            made
        } else {
            due
        };
        let now = monotonic_ns();
        for seq in next..next + made {
            queue.events.push_back(synthetic(seed, seq, payload, now));
        }
        queue.stats.produced += due;
        queue.stats.dropped += due - made;
        next += due;
        if made > 0 {
            shared.announce(&mut queue);
        }
        drop(queue);
        if made < due && rate.is_none() {
            thread::yield_now(); // flat out into a full dropping queue: let the consumer run
        }
    }
}

/// The UDP producer: one datagram, one event; a malformed datagram is produced and dropped.
fn receive(shared: &Shared, socket: &UdpSocket, payload: bool) {
    let mut buffer = [0_u8; 2048];
    loop {
        match socket.recv(&mut buffer) {
            Ok(length) => {
                if length == 0 && shared.lock().stopping {
                    return; // the stop's wake-up
                }
                if !shared.push(parse_datagram(&buffer[..length], payload)) {
                    return;
                }
            }
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) =>
            {
                if shared.lock().stopping {
                    return;
                }
            }
            Err(_) => {
                // An error queued on the socket (an ICMP report): it is consumed by this
                // call; look at the stop flag and go on.
                if shared.lock().stopping {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(stream: &EventStream, count: usize) -> Vec<Event> {
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while out.len() < count && Instant::now() < deadline {
            match stream.recv(Some(Duration::from_millis(100))) {
                Received::Event(event) => out.push(event),
                Received::TimedOut => {}
                Received::Ended => break,
            }
        }
        out
    }

    #[test]
    fn the_generator_is_the_documented_one() {
        let event = synthetic(42, 0, true, 7);
        assert_eq!(event.source as u64, draw(42, 0) % SOURCES);
        assert_eq!(event.value, 20.0 + 10.0 * uniform(42, 1));
        assert_eq!(event.payload_text(), format!("{}:0", event.source));
        let last = synthetic(1, u64::MAX, true, 0);
        assert_eq!(last.payload_text(), format!("{}:{}", last.source, u64::MAX));
        assert_eq!(std::mem::size_of::<Event>(), 56);
    }

    #[test]
    fn blocking_loses_nothing_and_keeps_order() {
        let stream = EventStream::synthetic(None, 64, Policy::Block, 3, false).unwrap();
        stream.start().unwrap();
        let events = take(&stream, 10_000);
        stream.stop();
        assert_eq!(events.len(), 10_000);
        for (index, event) in events.iter().enumerate() {
            assert_eq!(event.seq, index as u64);
            assert_eq!(
                *event,
                synthetic(3, index as u64, false, event.timestamp_ns)
            );
        }
        let stats = stream.stats();
        assert_eq!(stats.dropped, 0);
        assert_eq!(stats.produced, stats.delivered + stream.len() as u64);
    }

    #[test]
    fn dropping_counts_what_it_drops() {
        let stream = EventStream::synthetic(None, 16, Policy::Drop, 0, false).unwrap();
        stream.start().unwrap();
        thread::sleep(Duration::from_millis(20));
        stream.stop();
        let mut seqs = Vec::new();
        stream.drain(usize::MAX, |event| seqs.push(event.seq));
        let stats = stream.stats();
        assert!(stats.dropped > 0);
        assert_eq!(stats.produced, stats.delivered + stats.dropped);
        assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn a_paced_stream_keeps_its_rate_and_stops_at_once() {
        let stream = EventStream::synthetic(Some(1000.0), 1024, Policy::Block, 0, false).unwrap();
        stream.start().unwrap();
        thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        stream.stop();
        assert!(started.elapsed() < Duration::from_secs(1));
        let produced = stream.stats().produced;
        assert!((100..=400).contains(&produced), "{produced}");
        assert!(matches!(stream.try_recv(), Received::Event(_)));
    }

    #[test]
    fn udp_events_arrive_and_bad_datagrams_are_counted() {
        let stream = EventStream::udp("127.0.0.1", 0, 8, Policy::Block, true).unwrap();
        let port = stream.port().unwrap();
        stream.start().unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let event = synthetic(9, 5, true, monotonic_ns());
        sender
            .send_to(&datagram(&event), ("127.0.0.1", port))
            .unwrap();
        sender.send_to(b"short", ("127.0.0.1", port)).unwrap();
        sender
            .send_to(&datagram(&event), ("127.0.0.1", port))
            .unwrap();
        let got = take(&stream, 2);
        stream.stop();
        assert_eq!(got, vec![event, event]);
        assert_eq!(stream.stats().dropped, 1);
        assert!(matches!(
            EventStream::udp("127.0.0.1", port, 8, Policy::Block, false),
            Ok(_) | Err(CoreError::Io { .. })
        ));
    }

    #[test]
    fn a_port_in_use_and_bad_arguments_are_refused() {
        let first = EventStream::udp("127.0.0.1", 0, 8, Policy::Block, false).unwrap();
        let port = first.port().unwrap();
        assert!(matches!(
            EventStream::udp("127.0.0.1", port, 8, Policy::Block, false),
            Err(CoreError::Io { .. })
        ));
        assert!(EventStream::udp("localhost", 0, 8, Policy::Block, false).is_err());
        assert!(EventStream::synthetic(Some(0.0), 8, Policy::Block, 0, false).is_err());
        assert!(EventStream::synthetic(Some(f64::NAN), 8, Policy::Block, 0, false).is_err());
        assert!(EventStream::synthetic(None, 0, Policy::Block, 0, false).is_err());
        assert!(Policy::parse("wait").is_err());
        let stream = EventStream::synthetic(None, 8, Policy::Block, 0, false).unwrap();
        stream.start().unwrap();
        assert!(matches!(stream.start(), Err(CoreError::State(_))));
        stream.stop();
        stream.stop();
        assert!(matches!(stream.start(), Err(CoreError::State(_))));
    }

    #[test]
    fn the_slowest_rate_sleeps_and_stops() {
        let stream =
            EventStream::synthetic(Some(f64::MIN_POSITIVE), 4, Policy::Block, 0, false).unwrap();
        stream.start().unwrap();
        assert!(matches!(
            stream.recv(Some(Duration::from_secs(5))),
            Received::Event(_)
        ));
        thread::sleep(Duration::from_millis(20));
        assert!(stream.is_running());
        stream.stop();
        assert_eq!(stream.stats().produced, 1);
    }

    #[test]
    fn datagrams_round_trip() {
        let event = synthetic(1, 2, true, -5);
        assert_eq!(parse_datagram(&datagram(&event), true), Some(event));
        let mut bad = datagram(&event);
        bad.push(0);
        assert_eq!(parse_datagram(&bad, true), None);
        let long = [0_u8; DATAGRAM_HEADER + PAYLOAD_MAX + 1];
        assert_eq!(parse_datagram(&long, false), None);
    }
}
