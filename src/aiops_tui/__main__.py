from aiops_tui.cli import main

raise SystemExit(main())
