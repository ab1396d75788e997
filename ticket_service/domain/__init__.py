"""Ticket service domain: tickets, SLA clocks, proactive rules and the customer 360, no I/O."""
