"""The loader's and the command line's errors: a failure the operator can act on, with an Indonesian message.

A module of its own, without imports: ``python -m etl paparan`` starts Chromium before pyarrow, pandas and the
report modules import (etl/model.py's Arrow schemas take ~0.15 s), and its first lines need these classes.
"""


class EtlError(Exception):
    """A failure the operator can act on; the message is Indonesian and says what to do."""


class WorkbookError(EtlError):
    """The file as a whole cannot be read or understood (nothing from it is loaded)."""


class UsageError(EtlError):
    """The command was called wrongly (exit code 2)."""
