"""Publishing: freeze a build into release/X.Y.Z/, prove it reproducible, and diff two releases."""
