"""chat_service domain errors."""


class ChatError(Exception):
    """Base of chat_service's domain errors."""


class NotFound(ChatError):
    """No such conversation, or the caller may not see it."""


class IllegalTransition(ChatError):
    """The conversation's status does not allow this change."""


class InvalidInput(ChatError):
    """The request breaks a rule the schema cannot express."""
