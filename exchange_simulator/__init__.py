"""A stand-in for the exchange: publishes realistic upstream events on exchange.events."""
