//! `ffibench-server`: the http scenario's API on a socket until SIGTERM or SIGINT.
//!
//! ```text
//! ffibench-server [--host HOST] [--port PORT] [--workers N]
//! ```
//!
//! Once bound it prints one line, `listening on http://HOST:PORT`, to stdout (so `--port 0`
//! tells its caller the port it got). SIGTERM or SIGINT stops it gracefully: no new
//! connections, requests in flight finish, then it exits 0. Bad arguments exit 2 with a
//! message, a socket that cannot be bound exits 1.

use std::io::Write;
use std::process::ExitCode;

use ffibench_server::{MAX_WORKERS, Server};
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: ffibench-server [--host HOST] [--port PORT] [--workers N]

  --host HOST   the address to bind (default 127.0.0.1)
  --port PORT   the port, 0 to let the system pick one (default 8000)
  --workers N   the runtime's worker threads (default: one per core)";

/// The command line, checked.
#[derive(Debug, PartialEq)]
struct Args {
    host: String,
    port: u16,
    workers: Option<usize>,
}

/// Why there is nothing to run.
#[derive(Debug, PartialEq)]
enum Stop {
    Help,
    Usage(String),
}

fn parse(arguments: impl IntoIterator<Item = String>) -> Result<Args, Stop> {
    let mut host = None;
    let mut port = None;
    let mut workers = None;
    let mut arguments = arguments.into_iter();
    while let Some(argument) = arguments.next() {
        if argument == "-h" || argument == "--help" {
            return Err(Stop::Help);
        }
        let (name, inline) = match argument.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.into())),
            _ => (argument.clone(), None),
        };
        let slot = match name.as_str() {
            "--host" => &mut host,
            "--port" => &mut port,
            "--workers" => &mut workers,
            _ => return Err(Stop::Usage(format!("unknown argument {argument:?}"))),
        };
        let value = match inline.or_else(|| arguments.next()) {
            Some(value) => value,
            None => return Err(Stop::Usage(format!("{name} needs a value"))),
        };
        if slot.replace(value).is_some() {
            return Err(Stop::Usage(format!("{name} is given twice")));
        }
    }
    let port = match port {
        None => 8000,
        Some(text) => text
            .parse()
            .map_err(|_| Stop::Usage(format!("--port must be from 0 to 65535, not {text:?}")))?,
    };
    let workers = match workers {
        None => None,
        Some(text) => match text.parse() {
            Ok(n @ 1..=MAX_WORKERS) => Some(n),
            _ => {
                return Err(Stop::Usage(format!(
                    "--workers must be from 1 to {MAX_WORKERS}, not {text:?}"
                )));
            }
        },
    };
    let host = host.unwrap_or_else(|| "127.0.0.1".into());
    if host.is_empty() {
        return Err(Stop::Usage("--host must not be empty".into()));
    }
    Ok(Args {
        host,
        port,
        workers,
    })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(Stop::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(Stop::Usage(message)) => {
            eprintln!("ffibench-server: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ffibench-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    // The signals are caught before the line is printed: a caller that sends SIGTERM as soon
    // as it reads the line must find them caught, not kill the process outright.
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|error| format!("cannot start the signal handler: {error}"))?;
    let (mut terminate, mut interrupt) = {
        let _context = signals.enter();
        let catch = |kind| signal(kind).map_err(|error| format!("cannot catch signals: {error}"));
        (
            catch(SignalKind::terminate())?,
            catch(SignalKind::interrupt())?,
        )
    };
    let server = Server::bind((args.host.as_str(), args.port), args.workers)
        .map_err(|error| format!("cannot serve on {}:{}: {error}", args.host, args.port))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", server.url())
        .and_then(|()| stdout.flush())
        .map_err(|error| format!("cannot write to stdout: {error}"))?;
    drop(stdout);
    signals.block_on(async {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    });
    server.shutdown();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Result<Args, Stop> {
        parse(text.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn reads_the_three_options_in_both_forms() {
        assert_eq!(
            args(""),
            Ok(Args {
                host: "127.0.0.1".into(),
                port: 8000,
                workers: None
            })
        );
        assert_eq!(
            args("--host ::1 --port=0 --workers 3"),
            Ok(Args {
                host: "::1".into(),
                port: 0,
                workers: Some(3)
            })
        );
        assert_eq!(args("--port 1 --help"), Err(Stop::Help));
    }

    #[test]
    fn refuses_bad_arguments() {
        for bad in [
            "--port",
            "--port 65536",
            "--port -1",
            "--port x",
            "--workers 0",
            "--workers 1025",
            "--workers x",
            "--host",
            "--host=",
            "--verbose",
            "extra",
            "--port 1 --port 2",
        ] {
            assert!(matches!(args(bad), Err(Stop::Usage(_))), "{bad}");
        }
    }
}
