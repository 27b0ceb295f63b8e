//! The `ffibench-server` binary: the line it prints, signals, and bad arguments.

mod common;

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_ffibench-server");

/// The server process and the address from its `listening on` line.
fn start(extra: &[&str]) -> io::Result<(Child, SocketAddr)> {
    let mut child = Command::new(BINARY)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let address = line
        .trim_end()
        .strip_prefix("listening on http://")
        .and_then(|address| address.parse().ok())
        .ok_or_else(|| io::Error::other(format!("not the line expected: {line:?}")))?;
    Ok((child, address))
}

fn signal(child: &Child, name: &str) -> io::Result<ExitStatus> {
    Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
}

#[test]
fn serves_until_a_signal_then_exits_0() {
    for name in ["TERM", "INT"] {
        let (mut child, address) = start(&["--workers", "2"]).unwrap();
        let reply = common::request(address, "GET", "/health", None).unwrap();
        assert_eq!(reply.status, 200);
        assert!(signal(&child, name).unwrap().success());
        assert_eq!(child.wait().unwrap().code(), Some(0), "SIG{name}");
    }
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    for args in [
        &["--port", "x"][..],
        &["--workers", "0"],
        &["--bogus"],
        &["--port"],
    ] {
        let output = Command::new(BINARY).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.starts_with("ffibench-server: "), "{message}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_port_in_use_exits_1() {
    let (mut child, address) = start(&[]).unwrap();
    let output = Command::new(BINARY)
        .args(["--port", &address.port().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot serve on"));
    assert!(signal(&child, "TERM").unwrap().success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
