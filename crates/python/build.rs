//! Records the compiler and PyO3 versions this module was built with, for the results' metadata.

use std::path::Path;
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|text| text.trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=FFIBENCH_RUSTC_VERSION={version}");

    // The resolved PyO3 version is in the workspace's Cargo.lock, two levels up.
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let pyo3 = std::fs::read_to_string(&lock)
        .ok()
        .and_then(|text| {
            let mut lines = text.lines();
            while let Some(line) = lines.next() {
                if line == "name = \"pyo3\"" {
                    return lines
                        .next()
                        .and_then(|l| l.split('"').nth(1))
                        .map(str::to_owned);
                }
            }
            None
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=FFIBENCH_PYO3_VERSION={pyo3}");
    println!(
        "cargo:rustc-env=FFIBENCH_PROFILE={}",
        std::env::var("PROFILE").unwrap_or_default()
    );
}
