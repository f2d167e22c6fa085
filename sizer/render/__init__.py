"""Rendering: one module per output format (text, json, markdown, html, junit, github); wording
of codes in messages.py. Builds strings and renderables, never prints."""
