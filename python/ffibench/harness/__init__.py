"""The harness: timing (pyperf), criterion import, results files, run orchestration."""
