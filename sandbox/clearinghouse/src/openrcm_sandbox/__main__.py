from openrcm_sandbox.main import main

raise SystemExit(main())
