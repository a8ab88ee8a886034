"""The four tweetpulse services (ingest, classify, summarize, render) and the CLI that runs them."""
