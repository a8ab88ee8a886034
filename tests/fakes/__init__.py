"""Fakes that speak real protocols on real sockets, for tests."""
