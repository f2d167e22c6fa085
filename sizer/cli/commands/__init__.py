"""One module per command: parse, load or probe, call the core, render, exit."""
