from phylo.cli import main

raise SystemExit(main())
