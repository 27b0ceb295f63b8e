"""The pure-Python specification of every scenario: one module per scenario, the reference answers."""
