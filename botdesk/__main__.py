"""``python -m botdesk …`` is the same as the ``botdesk`` console script."""

from botdesk.cli import main

raise SystemExit(main())
