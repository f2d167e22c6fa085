"""sizer: which open LLM, on which GPU, how much memory, how fast, at what cost."""

__version__ = "0.1.0"
