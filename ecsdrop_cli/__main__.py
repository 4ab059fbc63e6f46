import sys

from ecsdrop_cli.main import main

sys.exit(main())
