"""The command line: one small module per command under commands/, wired in app.py. Nothing imports cli."""
