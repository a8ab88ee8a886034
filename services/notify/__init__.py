"""Notify: pushes each rendered post's digest to the chat platforms readers use."""
