"""The deployable HTTP function around the extractor: settings, request sources, parsers, sinks, events."""
