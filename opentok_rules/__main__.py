"""``python -m opentok_rules``: the same as the ``opentok-rules`` command."""

from opentok_rules.cli import main

raise SystemExit(main())
