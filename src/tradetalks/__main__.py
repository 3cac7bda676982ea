"""`python -m tradetalks`: the same command line as `tradetalks`."""

from tradetalks.cli import main

main()
