//! Servers started and stopped many times leave no thread, descriptor or port behind.
//!
//! One test in its own binary: the counts are the whole process's, so no other test may run
//! beside it.

mod common;

use std::path::Path;

use ffibench_server::Server;

fn count(folder: &str) -> usize {
    std::fs::read_dir(Path::new(folder)).map_or(0, Iterator::count)
}

#[test]
fn start_and_stop_leave_nothing_behind() {
    let cycle = || {
        let server = Server::bind(("127.0.0.1", 0), Some(2)).unwrap();
        let reply = common::request(server.local_addr(), "GET", "/health", None).unwrap();
        assert_eq!(reply.status, 200);
        let address = server.local_addr();
        server.shutdown();
        address
    };
    cycle(); // the first start may set up process-wide state (the panic hook, tokio's)
    let (threads, descriptors) = (count("/proc/self/task"), count("/proc/self/fd"));
    for _ in 0..30 {
        let address = cycle();
        // The port is free again: a new server can bind it.
        drop(Server::bind(address, Some(1)).unwrap());
    }
    assert_eq!(count("/proc/self/task"), threads);
    assert_eq!(count("/proc/self/fd"), descriptors);
}
