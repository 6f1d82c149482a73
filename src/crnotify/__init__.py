"""crnotify: config-as-code for container-registry event notifications."""

__version__ = "0.1.0"
