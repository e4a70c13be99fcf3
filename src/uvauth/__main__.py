from uvauth.cli import main

raise SystemExit(main())
