"""``python -m lesionbench`` runs the command line (the workflow calls it this way)."""

from lesionbench.cli import main

raise SystemExit(main())
