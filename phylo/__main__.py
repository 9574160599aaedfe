from phylo.cli.main import main

raise SystemExit(main())
