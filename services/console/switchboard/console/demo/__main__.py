import sys

from switchboard.console.demo.cli import main

sys.exit(main())
