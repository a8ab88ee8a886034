"""tweetpulse's common library: the topic contract, settings, bus, state store and errors."""
