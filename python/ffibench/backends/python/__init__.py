"""The python backend: one module per scenario, with the functions of ffibench.pure."""
