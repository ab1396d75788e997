"""chat_service domain errors."""


class ChatError(Exception):
    """Base of chat_service's domain errors."""


class NotFound(ChatError):
    """No such conversation, or the caller may not see it."""


class IllegalTransition(ChatError):
    """The conversation's status does not allow this change."""


class InvalidInput(ChatError):
    """The request breaks a rule the schema cannot express."""


class TooManyMessages(ChatError):
    """The customer sends faster than the message rate allows."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("too many messages; slow down")
        self.retry_after_s = retry_after_s
