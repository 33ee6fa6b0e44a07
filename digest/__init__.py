"""digest: a static-site generator for news digests."""
