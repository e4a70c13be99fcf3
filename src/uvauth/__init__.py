"""uvauth: run uv so that a configured index's authentication policy holds however its URL arrives."""

__version__ = "0.1.0"
