"""Cloud providers: each reads live rules into `crnotify.model` and writes the planned changes."""
