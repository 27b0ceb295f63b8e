"""The pyo3 backend: one module per scenario, with the functions of ffibench.pure."""
