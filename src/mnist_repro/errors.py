"""The one exception type that the CLI turns into a one-line message instead of a traceback."""


class UserError(Exception):
    """A problem the user can fix: the message names the problem and the fix.

    `exit_code` follows the usual CLI convention: 2 for bad arguments or input,
    1 for a failed action (such as an unwritable folder).
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code
