"""The pure-Python spec of every scenario, one module each: the reference answers."""
