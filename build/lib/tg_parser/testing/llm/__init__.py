"""Loopback servers speaking the real HTTP APIs of the model providers (see ``server``)."""
