"""`python -m crnotify`."""

from crnotify.cli import main

raise SystemExit(main())
